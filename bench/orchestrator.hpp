// Runs every (case, round, subject) measurement in a child process of its
// own (liner-bench re-executed in --child mode), interleaving the subjects
// round by round, and collects what each child reports.
#pragma once

#include "cli.hpp"
#include "spec.hpp"

#include <string>
#include <vector>

namespace bench {

/// One child run as the orchestrator saw it.
struct run_record {
  int round = 0;
  run_result result;     // figures include peak_rss_mib from wait4
  double wall_s = 0;     // the whole child, start to exit
  double cpu_user_s = 0; // from wait4
  double cpu_sys_s = 0;
  double teardown_s = -1; // deleting the clients after the result; -1 if it never finished
  std::string stderr_tail; // the child's last stderr lines, when the run failed
};

struct subject_runs {
  subject who;
  std::string unsupported; // why this subject does not run this case ("" if it does)
  std::vector<run_record> runs;
};

struct case_outcome {
  case_spec c;
  std::vector<subject_runs> subjects;
};

/// True if the status counts as a failure for the exit code.
bool failed(const run_record& r);

/// Runs everything; progress lines go to stderr.
std::vector<case_outcome> run_all(const options& o, const std::vector<case_spec>& cases);

} // namespace bench
