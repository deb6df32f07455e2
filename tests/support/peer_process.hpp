// A child process talked to line by line: we write commands to its stdin and
// read its stdout one line at a time, each read with a deadline. Made for
// liner-peer, usable for any line-oriented program. stderr is inherited.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace liner::test {

class peer_process {
public:
  using clock = std::chrono::steady_clock;

  /// Starts `argv[0]` (a path) with the arguments, in the test's
  /// environment plus `env` ("NAME=VALUE" entries, which replace variables
  /// of the same name).
  explicit peer_process(const std::vector<std::string>& argv,
                        const std::vector<std::string>& env = {});
  /// Kills the child (SIGKILL) if it still runs and reaps it: tests clean up
  /// their processes even when an assertion ends them early.
  ~peer_process();
  peer_process(const peer_process&) = delete;
  peer_process& operator=(const peer_process&) = delete;

  pid_t pid() const { return pid_; }

  /// Writes `line` and a newline to the child's stdin; false if it is gone.
  bool send_line(const std::string& line);
  void close_stdin();

  /// The next complete line, or nothing at the deadline or at the end of the
  /// output (then eof() is true). A partial last line is dropped.
  std::optional<std::string> next_line(clock::time_point deadline);
  /// Reads until a line satisfies `pred` (returns it) or the deadline/EOF.
  std::optional<std::string> wait_for_line(const std::function<bool(const std::string&)>& pred,
                                           std::chrono::milliseconds timeout = std::chrono::seconds{20});
  /// Waits for a line starting with `prefix`.
  std::optional<std::string> wait_for_prefix(const std::string& prefix,
                                             std::chrono::milliseconds timeout = std::chrono::seconds{20});
  bool eof() const { return out_fd_ < 0; }

  /// Every complete line read so far, in order.
  const std::vector<std::string>& lines() const { return lines_; }

  void kill(int signal);
  /// Reads the rest of the output, then reaps the child. The exit code
  /// (128 + signal when killed), or nothing if it did not end in time.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds{20});

private:
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::vector<std::string> lines_;
};

/// Under AddressSanitizer (scripts/test --sanitize) freed memory waits in a
/// 256 MiB quarantine and counts in VmHWM: keeps it at 8 MiB in the processes
/// started from now on, so memory bounds measure liner-caf, not ASan.
void small_asan_quarantine_in_children();

} // namespace liner::test
