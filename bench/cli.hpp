// liner-bench's command line (CLI11) and the measurement plan it implies.
#pragma once

#include "spec.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct options {
  std::vector<std::string> workloads;   // in the catalog's order
  std::vector<subject> subjects;        // in the order given (default capi, cpp, zmq), then --lib
  int rounds = 3;
  std::optional<uint64_t> count;
  std::vector<std::size_t> sizes;       // empty: the workloads' defaults
  std::vector<unsigned> peers;
  std::vector<std::string> stores;      // empty: the workloads' defaults
  bool alo = false;
  std::string pg_url;
  std::string redis_url;
  std::string json_out, csv_out;
  double timeout_s = 600;
  bool quick = false;
  std::vector<std::string> command_line;
};

/// A bad command line: one line for the user, exit code 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses argv. Returns nullopt after printing help (exit 0); throws
/// usage_error for anything wrong.
std::optional<options> parse_command_line(int argc, char** argv);

/// One measured configuration: a workload with one set of parameters, run
/// for every subject in every round.
struct case_spec {
  std::string workload;
  std::string label; // e.g. "pair 100 B x100000 best-effort sqlite"
  std::size_t size;
  uint64_t count;
  unsigned peers;
  bool alo;
  bool durable = false; // workload durable: the sender in durable mode
  std::string store;
};

/// The cases of a command line, in order. Postgres cases without a URL are
/// left out with a note on stderr when PostgreSQL was only a default, and
/// are a usage_error when asked for with --store.
std::vector<case_spec> plan_cases(const options& o);

} // namespace bench
