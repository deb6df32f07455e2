// Starting real child processes from tests and collecting what they print.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace liner::test {

/// Waits for `pid` to exit and returns its exit code (128 + signal when
/// killed), retrying on EINTR.
int reap(pid_t pid);

class child_process {
public:
  /// Starts `argv[0]` with the given arguments; stdout is captured, stderr
  /// goes to the test's stderr.
  explicit child_process(const std::vector<std::string>& argv);
  ~child_process(); // kills the child if it is still running
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// Reads stdout to the end and waits for the exit; returns the exit code
  /// (128 + signal when killed).
  int wait();
  const std::string& output() const { return output_; }

private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string output_;
};

} // namespace liner::test
