// liner-peer's standard output (tests/peer.cpp), read through a peer_process:
// its "ready", "ok"/"err" and "recv" lines, and dumps of the output for
// failure messages. For the test suites that drive liner-peer processes.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/peer_process.hpp"

namespace liner::test {

/// Whether `s` begins with `prefix`.
bool starts_with(const std::string& s, const std::string& prefix);

/// Every line the process printed so far, indented, one a line.
std::string dump(const peer_process& p);

/// Like dump, but "recv" lines are counted rather than listed (chatty peers).
std::string dump_without_recv(const peer_process& p);

/// Starts liner-peer `argv` and waits for "ready 127.0.0.1:"; nullptr and a test failure if not.
std::unique_ptr<peer_process> start_until_ready(const std::string& name,
                                                const std::vector<std::string>& argv,
                                                const std::vector<std::string>& env = {});

/// Sends a stdin command; its answer ("ok..." / "err ..."), or a text saying why none came.
std::string command(peer_process& p, const std::string& line);

/// The first line satisfying `pred`, already read (before a command's answer) or to come.
std::optional<std::string> seen_or_wait(
  peer_process& p, const std::function<bool(const std::string&)>& pred,
  std::chrono::milliseconds timeout = std::chrono::seconds{20});

/// Whether the line `exact` was already read or comes within `timeout`.
bool has_line(peer_process& p, const std::string& exact,
              std::chrono::milliseconds timeout = std::chrono::seconds{20});

/// "recv to=TO from=FROM data=PREFIX": how the lines delivering PREFIX<N> begin.
std::string recv_head(const std::string& to, const std::string& from, const std::string& prefix);

/// Waits until each N of `expected` came as "recv to=TO from=FROM data=PREFIX<N>", read or new.
bool wait_received(peer_process& p, const std::string& to, const std::string& from,
                   const std::string& prefix, std::set<long> expected,
                   std::chrono::milliseconds timeout = std::chrono::seconds{20});

/// The numbers N of the "recv to=TO from=FROM data=PREFIX<N>" lines, in order.
std::vector<long> received(const std::vector<std::string>& lines, const std::string& to,
                           const std::string& from, const std::string& prefix);

/// How many lines read so far begin "recv to=TO from=FROM data=PREFIX" (not parsed).
std::size_t count_received(const peer_process& p, const std::string& to,
                           const std::string& from, const std::string& prefix);

/// The numbers 0 .. n-1.
std::set<long> range(long n);

} // namespace liner::test
