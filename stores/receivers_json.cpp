#include "stores/receivers_json.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace liner {

namespace {

std::vector<receiver_seed> parse_entries(const std::string& json) {
  auto j = nlohmann::json::parse(json); // throws with serde-like detail
  if (!j.is_array())
    throw std::runtime_error("receivers_json parse error: expected an array");
  std::vector<receiver_seed> out;
  for (auto& e : j) {
    if (!e.is_object() || !e.contains("topic") || !e.contains("addr") || !e.contains("client_name")
        || !e["topic"].is_string() || !e["addr"].is_string() || !e["client_name"].is_string())
      throw std::runtime_error(
        "receivers_json parse error: each entry needs string topic, addr and client_name");
    out.push_back({e["topic"], e["addr"], e["client_name"]});
  }
  return out;
}

} // namespace

std::vector<receiver_seed> parse_receivers_json(const std::string& json) {
  try {
    return parse_entries(json);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's own exceptions stay inside this unit: callers see one type.
    throw std::runtime_error(std::string("receivers_json parse error: ") + e.what());
  }
}

} // namespace liner
