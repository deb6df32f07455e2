#include "cli/output.hpp"

#include <algorithm>
#include <ostream>

namespace liner::cli {

void print_table(std::ostream& out, const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(headers.size());
  for (std::size_t c = 0; c < headers.size(); ++c) {
    width[c] = headers[c].size();
    for (auto& r : rows)
      width[c] = std::max(width[c], c < r.size() ? r[c].size() : 0);
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < headers.size(); ++c) {
      const std::string& v = c < cells.size() ? cells[c] : std::string();
      text += v;
      if (c + 1 < headers.size())
        text += std::string(width[c] - v.size() + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    out << text << '\n';
  };
  line(headers);
  for (auto& r : rows)
    line(r);
}

} // namespace liner::cli
