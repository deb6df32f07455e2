// liner's error log sink: every error line reads "Error <file>:<line>: <msg>"
// and goes to a process-wide callback if one is installed, else to stderr.
#pragma once

#include <functional>
#include <string>

namespace liner::log {

using sink = std::function<void(const std::string& line)>;

/// Installs the sink (an empty function restores stderr).
void set_sink(sink s);

/// Writes one error line.
void error_at(const char* file, int line, const std::string& message);

} // namespace liner::log

#define LINER_LOG_ERROR(msg) ::liner::log::error_at(__FILE__, __LINE__, (msg))
