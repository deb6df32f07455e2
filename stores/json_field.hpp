// The string field of a JSON object a store reads from the server (a
// catalog notification, a published change): "" when it is missing or not
// a string, so a malformed message changes nothing.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace liner {

inline std::string string_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace liner
