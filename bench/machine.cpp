// The facts about the machine and the tree that a result file carries.
#include "report.hpp"

#include <zmq.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef LINER_BENCH_SOURCE_DIR
#define LINER_BENCH_SOURCE_DIR ""
#endif
#ifndef LINER_BENCH_BUILD_TYPE
#define LINER_BENCH_BUILD_TYPE ""
#endif

namespace bench {

namespace {

/// The first line of a file that starts with `key`, after the ':'.
std::string field_of(const std::string& path, const std::string& key) {
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) {
      auto colon = line.find(':');
      auto v = colon == std::string::npos ? line : line.substr(colon + 1);
      return v.substr(v.find_first_not_of(" \t") == std::string::npos ? v.size()
                                                                       : v.find_first_not_of(" \t"));
    }
  return "";
}

std::string first_line(const std::string& path) {
  std::ifstream in{path};
  std::string line;
  std::getline(in, line);
  return line;
}

/// stdout of a shell command (stderr dropped), trailing newline removed.
std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, decltype(&pclose)> p{popen((command + " 2>/dev/null").c_str(), "r"), &pclose};
  if (!p)
    return "";
  std::string out;
  std::array<char, 256> buf;
  while (fgets(buf.data(), buf.size(), p.get()))
    out += buf.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

} // namespace

nlohmann::json machine_facts() {
  utsname u{};
  uname(&u);
  int major = 0, minor = 0, patch = 0;
  zmq_version(&major, &minor, &patch);
  std::string src = LINER_BENCH_SOURCE_DIR;
  nlohmann::json git = nullptr;
  if (!src.empty()) {
    std::string commit = output_of("git -C '" + src + "' rev-parse HEAD");
    if (!commit.empty())
      git = {{"commit", commit},
             {"branch", output_of("git -C '" + src + "' rev-parse --abbrev-ref HEAD")},
             {"dirty", !output_of("git -C '" + src + "' status --porcelain --untracked-files=no").empty()}};
  }
  return {{"date", now_utc()},
          {"nproc", sysconf(_SC_NPROCESSORS_ONLN)},
          {"cpu_model", field_of("/proc/cpuinfo", "model name")},
          {"memory", field_of("/proc/meminfo", "MemTotal")},
          {"kernel", std::string(u.sysname) + " " + u.release + " " + u.version},
          {"arch", u.machine},
          {"loadavg_start", first_line("/proc/loadavg")},
          {"compiler", __VERSION__},
          {"build_type", LINER_BENCH_BUILD_TYPE},
          {"zmq_version", std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch)},
          {"source_dir", src},
          {"git", git}};
}

} // namespace bench
