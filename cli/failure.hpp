// How the `liner` command fails: one line for the user and an exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace liner::cli {

/// The exit codes of every subcommand (docs/cli.md).
enum exit_code : int {
  ok = 0,
  problem = 1,     // the command ran and found or met a problem
  usage = 2,       // bad arguments
  no_store = 3,    // the store cannot be reached or is not a liner store
};

struct failure : std::runtime_error {
  failure(exit_code c, const std::string& what) : std::runtime_error(what), code(c) {}
  exit_code code;
};

} // namespace liner::cli
