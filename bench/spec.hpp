// What one measurement is (run_spec: handed from the orchestrator to a child
// process as JSON) and what it gives back (run_result: one JSON line).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

/// A library under test. kind "cpp" (liner::Client linked in), "capi" (a
/// library with liner's C ABI, loaded by path) or "zmq" (libzmq).
struct subject {
  std::string kind;
  std::string name; // shown in tables: "cpp", "capi", "liner-1.4.1", ...
  std::string lib;  // the path, for kind "capi"
};

/// Where the clients of one run keep their catalog and queues.
struct store_spec {
  std::string kind;     // "sqlite" or "postgres"
  std::string location; // the SQLite file, or the PostgreSQL URL (with a schema of its own)
};

/// One child run: one workload, one subject, one set of parameters.
struct run_spec {
  std::string workload;
  subject who;
  std::size_t size = 100;   // payload bytes
  uint64_t count = 0;       // the workload's main count (messages, round trips, repeats)
  unsigned peers = 0;       // fanout/manytoone/mesh
  bool alo = false;         // at-least-once sends
  bool durable = false;     // the sender in durable mode (workload durable)
  store_spec store;
  std::string prefix;       // unique prefix of client names and topics
  double idle_s = 15;       // a wait for messages gives up after this long without progress
};

/// A run's outcome as the child reports it; the orchestrator adds the
/// process facts (peak RSS, CPU time) and may override the status.
struct run_result {
  std::string status = "ok"; // ok, lost, error, unsupported (child); crash, timeout, ... (orchestrator)
  std::string error;         // one line when status is not ok
  std::vector<std::pair<std::string, double>> figures;   // in the workload's order
  std::vector<std::pair<std::string, int64_t>> counts;   // sent, received, lost, ...
  std::vector<std::string> notes;                          // e.g. "zmq: XPUB_NODROP, blocking send"
  std::string library;                                     // the library's own version text

  void figure(const std::string& key, double value) { figures.emplace_back(key, value); }
  void count(const std::string& key, int64_t value) { counts.emplace_back(key, value); }
  void note(const std::string& text) { notes.push_back(text); }
  /// A run that lost messages keeps its figures but is not "ok".
  void lost(int64_t n, const std::string& what);
};

nlohmann::json to_json(const subject& s);
subject subject_from_json(const nlohmann::json& j);
nlohmann::json to_json(const run_spec& s);
run_spec run_spec_from_json(const nlohmann::json& j);
nlohmann::json to_json(const run_result& r);
run_result run_result_from_json(const nlohmann::json& j);

/// Thrown by a workload or a driver when the subject cannot do what the
/// workload needs (a missing function, no PostgreSQL support): reported as
/// "unsupported", not as a failure.
struct unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace bench
