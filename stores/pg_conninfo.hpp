// Changing a libpq connection string without editing its text: libpq
// parses it (PQconninfoParse: URLs and key=value alike), we change the
// parsed setting, and a key=value string is written back.
#pragma once

#include <string>

namespace liner::pg {

/// `conninfo` with `option` (one server option, e.g. -csearch_path=s)
/// appended to its `options` setting. Throws std::invalid_argument with
/// libpq's message when libpq cannot parse `conninfo`.
std::string with_server_option(const std::string& conninfo, const std::string& option);

} // namespace liner::pg
