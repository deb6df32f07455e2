// Whether peers' addresses answer right now: a TCP connect to each, in
// parallel, closed at once (a peer sees a connection that ends before its
// first byte, which it drops without harm).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace liner::cli {

struct probe_result {
  bool answers = false;
  bool refused = false; // nothing listens there (as opposed to no answer in time)
  std::string detail;   // "answers", "refused", "no answer within 500 ms", ...
};

/// Probes every address (duplicates once), at most `timeout` each, up to
/// 32 at a time.
std::map<std::string, probe_result> probe_all(const std::vector<std::string>& addrs,
                                              std::chrono::milliseconds timeout);

} // namespace liner::cli
