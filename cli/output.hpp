// Text output for people: aligned columns under a header line.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace liner::cli {

void print_table(std::ostream& out, const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows);

} // namespace liner::cli
