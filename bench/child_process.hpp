// Starting one child process and collecting what it writes on fd 3, with a
// deadline, and its resource usage (wait4: peak RSS, CPU time).
#pragma once

#include <string>
#include <vector>

namespace bench {

struct child_outcome {
  std::vector<std::string> lines; // what the child wrote to fd 3, line by line
  bool timed_out = false;         // killed with SIGKILL at the deadline
  int exit_code = -1;             // when it exited
  int signal = 0;                 // when a signal ended it
  long max_rss_kib = 0;
  double cpu_user_s = 0, cpu_sys_s = 0;
  double wall_s = 0;
};

/// Runs `program` with `argv` (posix_spawn: no copy of this process's
/// memory counts towards the child's peak RSS), fd 3 a pipe to us, stdout
/// and stderr into `log_path`, stdin /dev/null. Throws std::runtime_error
/// if it cannot be started.
child_outcome run_child_process(const std::string& program, const std::vector<std::string>& argv,
                                const std::string& log_path, double timeout_s);

/// The last `n` lines of a file, each cut to 300 characters.
std::string tail_of(const std::string& path, int n);

} // namespace bench
