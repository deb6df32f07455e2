#include "cli.hpp"

#include "catalog.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <set>
#include <unistd.h>

#ifndef LINER_BENCH_CAPI_LIB
#define LINER_BENCH_CAPI_LIB "libliner.so.0"
#endif

namespace bench {

namespace {

const char* const footer = R"(Subjects (the libraries under test; default: capi, cpp, zmq):
  cpp    this project's C++ API (liner::Client), linked into liner-bench
  capi   this project's C ABI: libliner.so loaded by path (--capi-lib)
  zmq    ZeroMQ, where a natural equivalent of the workload exists
  --lib PATH[=NAME]  any other library with liner's C ABI (e.g. Rust liner 1.4.1's
         libliner_broker.so, built with its cargo build), run through the very
         same code as capi; NAME defaults to the file's name

Every measurement runs in a child process of its own; rounds are interleaved
(round 1: every subject, round 2: every subject, ...). Tables show medians and
min-max over rounds, and the ratio of the first subject's median to each
other's. Exit code: 0 if every run succeeded (no loss, crash or timeout), 1 if
not, 2 for a bad command line. Without WORKLOAD every workload runs.

Examples:
  liner-bench pair --quick
  liner-bench pair pingpong --lib /path/to/libliner_broker.so=liner-1.4.1 --json out.json
  liner-bench alo --store postgres --pg-url postgresql://u:p@127.0.0.1:5432/db)";

// CLI11 reads the numbers; the ranges are checked here, with short messages.
template <class T>
T at_least(const char* option, long long value, long long min) {
  if (value < min)
    throw usage_error(std::string(option) + " must be at least " + std::to_string(min) + ", not "
                      + std::to_string(value));
  return static_cast<T>(value);
}

subject parse_lib(const std::string& arg) {
  std::string path = arg, name;
  auto eq = arg.rfind('=');
  if (eq != std::string::npos && arg.find('/', eq) == std::string::npos) {
    path = arg.substr(0, eq);
    name = arg.substr(eq + 1);
    if (name.empty())
      throw usage_error("--lib " + arg + ": empty NAME after '='");
  }
  if (path.empty())
    throw usage_error("--lib needs a PATH");
  if (access(path.c_str(), R_OK) != 0)
    throw usage_error("--lib " + path + ": no such readable file");
  if (name.empty())
    name = path.substr(path.rfind('/') + 1);
  return {"capi", name, path};
}

/// Folds text to lines of at most `width` characters, at spaces.
std::string wrap(const std::string& text, std::size_t width = 78) {
  std::string out, line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find(' ', pos);
    if (end == std::string::npos)
      end = text.size();
    std::string word = text.substr(pos, end - pos);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    pos = end + 1;
  }
  return out + line;
}

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

} // namespace

std::optional<options> parse_command_line(int argc, char** argv) {
  options o;
  o.command_line.assign(argv, argv + argc);
  CLI::App app{"liner-bench: benchmarks of liner-caf's C++ API and C ABI, of other libraries "
               "with liner's C ABI (Rust liner 1.4.1) and of ZeroMQ, on the same workloads.",
               "liner-bench"};
  app.footer(footer);
  app.require_subcommand(0, 0); // any number of workloads
  app.get_formatter()->label("SUBCOMMAND", "WORKLOAD...");

  std::vector<std::string> subjects, libs;
  std::string capi_lib = LINER_BENCH_CAPI_LIB;
  long long rounds = 3, count = 0;
  std::vector<long long> sizes, peers;
  double timeout = 600;
  app.add_option("--subject", subjects, "cpp, capi or zmq (repeat, or comma-separated)")
    ->delimiter(',')->allow_extra_args(false)->check(CLI::IsMember({"cpp", "capi", "zmq"}));
  app.add_option("--lib", libs, "PATH[=NAME]: another library with liner's C ABI (repeatable)")
    ->allow_extra_args(false);
  app.add_option("--capi-lib", capi_lib, "the library of subject capi")->capture_default_str();
  app.add_option("--rounds", rounds, "rounds (child runs per subject and case)")->capture_default_str();
  app.add_option("--count", count, "the workload's main count (messages, round trips, repeats); "
                                    "default per workload");
  app.add_option("--size", sizes, "payload sizes in bytes, comma-separated; default per workload")
    ->delimiter(',')->allow_extra_args(false);
  app.add_option("--peers", peers, "peer counts (fanout, manytoone, mesh), comma-separated")
    ->delimiter(',')->allow_extra_args(false);
  app.add_option("--store", o.stores, "sqlite, postgres and/or redis, comma-separated; default "
                                      "sqlite (alo: all three)")
    ->delimiter(',')->allow_extra_args(false)->check(CLI::IsMember({"sqlite", "postgres", "redis"}));
  app.add_option("--redis-url", o.redis_url, "Redis URL (default $LINER_BENCH_REDIS_URL or "
                                             "$LINER_TEST_REDIS_URL); each run takes a database of its own");
  app.add_option("--pg-url", o.pg_url, "PostgreSQL URL (default $LINER_BENCH_PG_URL or "
                                       "$LINER_TEST_POSTGRES_URL)");
  app.add_flag("--alo", o.alo, "at-least-once sends (pair, burst and the others; alo and drain always)");
  app.add_option("--json", o.json_out, "write every figure to FILE (- for stdout)");
  app.add_option("--csv", o.csv_out, "write the summary to FILE (- for stdout)");
  app.add_option("--timeout", timeout, "seconds before a child run is killed")->capture_default_str();
  app.add_flag("--quick", o.quick, "small counts, for a smoke test");

  for (auto& w : workloads()) {
    auto* sub = app.add_subcommand(w.name, w.summary);
    sub->fallthrough(); // options may follow a workload's name
    sub->group("Workloads");
    sub->footer(wrap(w.help) + "\n\nOptions: see liner-bench --help.");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e, std::cout, std::cerr);
    return std::nullopt;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e, std::cout, std::cerr);
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    throw usage_error(e.what());
  }

  for (auto& w : workloads())
    if (app.got_subcommand(w.name) || app.get_subcommands().empty())
      o.workloads.push_back(w.name);

  o.rounds = at_least<int>("--rounds", rounds, 1);
  if (app.count("--count"))
    o.count = at_least<uint64_t>("--count", count, 1);
  for (auto s : sizes)
    o.sizes.push_back(at_least<std::size_t>("--size", s, 1));
  for (auto p : peers)
    o.peers.push_back(at_least<unsigned>("--peers", p, 1));
  if (!(timeout > 0))
    throw usage_error("--timeout must be a positive number of seconds");
  o.timeout_s = timeout;
  if (o.pg_url.empty())
    o.pg_url = env_or("LINER_BENCH_PG_URL", env_or("LINER_TEST_POSTGRES_URL", ""));
  if (o.redis_url.empty())
    o.redis_url = env_or("LINER_BENCH_REDIS_URL", env_or("LINER_TEST_REDIS_URL", ""));

  if (subjects.empty())
    subjects = {"capi", "cpp", "zmq"};
  std::set<std::string> names;
  auto add = [&](subject s) {
    if (!names.insert(s.name).second)
      throw usage_error("subject " + s.name + " given twice (name --lib PATH=NAME differently)");
    o.subjects.push_back(std::move(s));
  };
  for (auto& s : subjects) {
    if (s == "capi" && access(capi_lib.c_str(), R_OK) != 0)
      throw usage_error("subject capi: " + capi_lib + " not found (build target liner, or --capi-lib PATH)");
    add({s, s, s == "capi" ? capi_lib : ""});
  }
  for (auto& l : libs)
    add(parse_lib(l));
  return o;
}

namespace {

std::string size_text(std::size_t n) {
  if (n >= 1024 && n % 1024 == 0)
    return std::to_string(n / 1024) + " KiB";
  return std::to_string(n) + " B";
}

std::string label_of(const case_spec& c, const workload_info& w) {
  std::string l = c.workload + " " + size_text(c.size);
  if (!w.peers.empty())
    l += ", " + std::to_string(c.peers) + " peers";
  l += ", count " + std::to_string(c.count);
  l += c.alo ? ", at-least-once" : ", best-effort";
  if (c.workload == "durable")
    l += c.durable ? ", durable" : ", not durable";
  return l + ", " + c.store;
}

} // namespace

std::vector<case_spec> plan_cases(const options& o) {
  std::vector<case_spec> cases;
  for (auto& name : o.workloads) {
    const workload_info& w = *find_workload(name);
    auto sizes = o.sizes.empty() ? w.sizes : o.sizes;
    auto peers = !o.peers.empty() ? o.peers : o.quick ? w.quick_peers : w.peers;
    if (w.peers.empty())
      peers = {0};
    if (name == "mesh")
      for (auto p : peers)
        if (p < 2)
          throw usage_error("mesh needs --peers of at least 2");
    std::vector<std::string> stores;
    for (auto& st : o.stores.empty() ? w.stores : o.stores) {
      if (st == "postgres" && o.pg_url.empty()) {
        if (!o.stores.empty())
          throw usage_error("--store postgres needs --pg-url URL (or $LINER_BENCH_PG_URL)");
        std::cerr << "liner-bench: " << name << " on postgres left out: no --pg-url\n";
        continue;
      }
      if (st == "redis" && o.redis_url.empty()) {
        if (!o.stores.empty())
          throw usage_error("--store redis needs --redis-url URL (or $LINER_BENCH_REDIS_URL)");
        std::cerr << "liner-bench: " << name << " on redis left out: no --redis-url\n";
        continue;
      }
      stores.push_back(st);
    }
    uint64_t base = o.count ? *o.count : o.quick ? w.quick_count : w.count;
    for (auto& store : stores)
      for (auto size : sizes)
        for (auto p : peers) {
          std::vector<uint64_t> counts{base};
          if (name == "burst")
            counts = {std::max<uint64_t>(base / 10, 1), base};
          else if (name == "pair" && !o.count && size >= 65536)
            counts = {std::max<uint64_t>(base / 10, 1)}; // 64 KiB messages: a tenth as many
          // durable: the same run in durable mode and without it (its cost).
          std::vector<bool> durable{false};
          if (name == "durable")
            durable = {true, false};
          for (auto n : counts)
            for (bool d : durable) {
              bool alo = w.mode == delivery::chosen ? o.alo : w.mode == delivery::at_least_once;
              case_spec c{name, "", size, n, p, alo, d, store};
              c.label = label_of(c, w);
              cases.push_back(c);
            }
        }
  }
  return cases;
}

} // namespace bench
