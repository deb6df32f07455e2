#include "stores/pg_conninfo.hpp"

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

namespace liner::pg {

namespace {

// key='value' with \ and ' escaped, as libpq reads it back.
std::string quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'')
      out += '\\';
    out += c;
  }
  return out + "'";
}

} // namespace

std::string with_server_option(const std::string& conninfo, const std::string& option) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed{
    PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree};
  if (!parsed) {
    std::string why = error ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n')
      why.pop_back();
    throw std::invalid_argument("not a PostgreSQL connection string: " + why);
  }
  std::string out, options = option;
  for (auto* o = parsed.get(); o->keyword; ++o) {
    if (std::string(o->keyword) == "options") {
      if (o->val && *o->val)
        options = std::string(o->val) + " " + option;
      continue;
    }
    if (o->val)
      out += std::string(o->keyword) + "=" + quoted(o->val) + " ";
  }
  return out + "options=" + quoted(options);
}

} // namespace liner::pg
