#include "orchestrator.hpp"

#include "catalog.hpp"
#include "child_process.hpp"
#include "pg_schema.hpp"
#include "redis_db.hpp"
#include "report.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <signal.h>
#include <unistd.h>

namespace bench {

namespace fs = std::filesystem;

namespace {

/// A fresh folder per run (the SQLite file, the child's log), removed after.
struct temp_dir {
  std::string path;
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "liner-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

/// What the child's lines, exit and deadline say about the run.
run_record classify(const child_outcome& c, double timeout_s) {
  run_record rec;
  rec.wall_s = c.wall_s;
  rec.cpu_user_s = c.cpu_user_s;
  rec.cpu_sys_s = c.cpu_sys_s;
  bool have_result = false, have_teardown = false;
  try {
    if (!c.lines.empty()) {
      rec.result = run_result_from_json(nlohmann::json::parse(c.lines[0]));
      have_result = true;
    }
    if (c.lines.size() > 1) {
      rec.teardown_s = nlohmann::json::parse(c.lines[1]).at("teardown_s").get<double>();
      have_teardown = true;
    }
  } catch (const std::exception& e) {
    rec.result = {};
    rec.result.status = "error";
    rec.result.error = std::string("unreadable result from the child: ") + e.what();
    have_result = true;
  }
  // The measurement stands even when the end went wrong, but the run fails.
  std::string phase = !have_result ? "" : !have_teardown ? " while deleting the clients" : " at exit";
  auto fail = [&](const std::string& status, const std::string& why) {
    rec.result.status = status;
    rec.result.error = why + phase + (rec.result.error.empty() ? "" : "; " + rec.result.error);
  };
  if (c.timed_out)
    fail("timeout", "killed after " + std::to_string(static_cast<int>(timeout_s)) + " s");
  else if (c.signal)
    fail("crash", "killed by " + signal_name(c.signal));
  else if (c.exit_code != 0 && !have_result)
    fail("crash", "exited with code " + std::to_string(c.exit_code) + " and no result");
  else if (!have_teardown && rec.result.status == "ok")
    fail("crash", "exited without finishing");
  rec.result.figure("peak_rss_mib", static_cast<double>(c.max_rss_kib) / 1024.0);
  return rec;
}

run_record run_one(const options& o, const case_spec& c, const subject& who, int round,
                   unsigned serial) {
  temp_dir dir;
  run_spec spec;
  spec.workload = c.workload;
  spec.who = who;
  spec.size = c.size;
  spec.count = c.count;
  spec.peers = c.peers;
  spec.alo = c.alo;
  spec.durable = c.durable;
  spec.store.kind = c.store;
  // Unique per run: runs sharing one PostgreSQL never see each other.
  std::string tag = std::to_string(getpid()) + "r" + std::to_string(serial);
  spec.prefix = "lb" + tag + "-";
  std::unique_ptr<pg_schema> schema;
  std::unique_ptr<redis_db> redis;
  if (c.store == "postgres") {
    schema = std::make_unique<pg_schema>(o.pg_url, "liner_bench_" + tag);
    spec.store.location = schema->url();
  } else if (c.store == "redis") {
    redis = std::make_unique<redis_db>(o.redis_url);
    spec.store.location = redis->url();
  } else {
    spec.store.location = dir.path + "/liner.db";
  }
  std::string log = dir.path + "/child.log";
  // /proc/self/exe is this very program even if the build replaced the file
  // meanwhile, so every child of a run is the same liner-bench.
  auto outcome = run_child_process("/proc/self/exe", {"liner-bench", "--child", to_json(spec).dump()},
                                   log, o.timeout_s);
  run_record rec = classify(outcome, o.timeout_s);
  rec.round = round;
  if (failed(rec) || rec.result.status == "unsupported")
    rec.stderr_tail = tail_of(log, 6);
  return rec;
}

std::string unsupported_reason(const workload_info& w, const subject& s) {
  if (s.kind == "zmq" && !w.zmq)
    return "no ZeroMQ equivalent";
  return "";
}

void progress(std::size_t done, std::size_t total, const case_spec& c, int round, int rounds,
              const subject& who, const run_record& r) {
  const workload_info& w = *find_workload(c.workload);
  std::cerr << "[" << done << "/" << total << "] " << c.label << " | round " << round << "/"
            << rounds << " | " << who.name << ": ";
  if (r.result.status == "ok") {
    for (auto& [key, value] : r.result.figures) {
      auto f = describe_figure(w, key);
      if (f.in_table) {
        std::cerr << format_value(value) << " " << f.unit << " " << f.label;
        break;
      }
    }
  } else {
    std::cerr << r.result.status << ": " << r.result.error;
  }
  std::cerr << " (" << format_value(r.wall_s) << " s)\n";
  if (!r.stderr_tail.empty()) {
    std::cerr << "    child's last stderr lines:\n";
    std::size_t pos = 0;
    while (pos <= r.stderr_tail.size()) {
      auto nl = r.stderr_tail.find('\n', pos);
      if (nl == std::string::npos)
        nl = r.stderr_tail.size();
      std::cerr << "    | " << r.stderr_tail.substr(pos, nl - pos) << "\n";
      pos = nl + 1;
    }
  }
}

} // namespace

bool failed(const run_record& r) {
  return r.result.status != "ok" && r.result.status != "unsupported";
}

std::vector<case_outcome> run_all(const options& o, const std::vector<case_spec>& cases) {
  std::vector<case_outcome> all;
  std::size_t total = 0, done = 0;
  for (auto& c : cases)
    for (auto& s : o.subjects)
      if (unsupported_reason(*find_workload(c.workload), s).empty())
        total += static_cast<std::size_t>(o.rounds);
  unsigned serial = 0;
  for (auto& c : cases) {
    const workload_info& w = *find_workload(c.workload);
    case_outcome out{c, {}};
    for (auto& s : o.subjects)
      out.subjects.push_back({s, unsupported_reason(w, s), {}});
    // Rounds outside, subjects inside: noise over time hits every subject alike.
    for (int round = 1; round <= o.rounds; ++round)
      for (auto& sr : out.subjects) {
        if (!sr.unsupported.empty())
          continue;
        run_record r = run_one(o, c, sr.who, round, ++serial);
        progress(++done, total, c, round, o.rounds, sr.who, r);
        sr.runs.push_back(std::move(r));
      }
    all.push_back(std::move(out));
  }
  return all;
}

} // namespace bench
