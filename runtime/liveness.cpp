#include "runtime/liveness.hpp"

#include <nlohmann/json.hpp>

#include "runtime/defaults.hpp"

namespace liner {

void liveness::start(clock::time_point now, std::optional<milliseconds> expected_interval) {
  last_heard_ = now;
  last_wrote_ = now;
  peer_interval_.reset();
  expected_ = expected_interval;
}

liveness::milliseconds liveness::tick(milliseconds own_interval, milliseconds timeout) {
  auto t = timeout / 4;
  if (own_interval.count() > 0)
    t = std::min(t, own_interval / 2);
  return std::max(t, milliseconds{5});
}

std::string heartbeat_member(std::chrono::milliseconds interval) {
  return "\"heartbeat\":" + std::to_string(interval.count());
}

std::string heartbeat_answer(std::chrono::milliseconds interval) {
  return "{" + heartbeat_member(interval) + "}";
}

std::optional<std::chrono::milliseconds> announced_heartbeat(const char* data, std::size_t size) {
  if (size == 0 || size > 4096) // a hello is a few dozen bytes
    return std::nullopt;
  auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (!j.is_object())
    return std::nullopt;
  auto it = j.find("heartbeat");
  if (it == j.end() || !it->is_number_unsigned())
    return std::nullopt;
  auto ms = it->get<uint64_t>();
  if (ms == 0 || ms > static_cast<uint64_t>(defaults::max_timeout.count()))
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(ms)};
}

} // namespace liner
