#include "runtime/internal_event.hpp"

#include <nlohmann/json.hpp>

namespace liner {

std::string internal_event::to_json() const {
  nlohmann::json j; // an ordered map: keys come out sorted, as liner's do
  if (event == "client_connected")
    j["addr"] = addr;
  j["client"] = client;
  j["event"] = event;
  j["topic"] = topic;
  return j.dump();
}

std::optional<internal_event> internal_event::parse(const char* data, std::size_t size) {
  auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (!j.is_object() || !j.contains("event") || !j["event"].is_string())
    return std::nullopt;
  auto str = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
  };
  return internal_event{str("event"), str("client"), str("topic"), str("addr")};
}

} // namespace liner
