// liner's error log sink: every error line reads "Error <file>:<line>: <msg>"
// and goes to a process-wide callback if one is installed, else to stderr.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace liner::log {

using sink = std::function<void(const std::string& line)>;

/// Installs the sink (an empty function restores stderr).
void set_sink(sink s);

/// Writes one error line.
void error_at(const char* file, int line, const std::string& message);

/// For an event that can repeat thousands of times a second (a refused or
/// evicted connection in a flood): count(n) adds n and tells how many
/// happened since the last line when one may be written now (at most one a
/// second), else 0.
class repeat_counter {
public:
  std::size_t count(std::size_t n = 1);

private:
  std::size_t since_line_ = 0;
  std::chrono::steady_clock::time_point last_line_{};
};

} // namespace liner::log

#define LINER_LOG_ERROR(msg) ::liner::log::error_at(__FILE__, __LINE__, (msg))
