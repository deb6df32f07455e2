#include "actors/inbound_budget.hpp"

#include <algorithm>

#include "runtime/knobs.hpp"

namespace liner {

inbound_budget& inbound_budget::instance() {
  static inbound_budget budget;
  return budget;
}

inbound_budget::ticket inbound_budget::enroll(holder h) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto t = next_++;
  holders_.emplace(t, entry{std::move(h), 0});
  return t;
}

void inbound_budget::leave(ticket t) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = holders_.find(t);
  if (it == holders_.end())
    return;
  used_ -= it->second.bytes;
  holders_.erase(it);
}

std::vector<inbound_budget::holder> inbound_budget::hold(ticket t, std::size_t bytes) {
  std::vector<holder> evicted;
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = holders_.find(t);
  if (it == holders_.end())
    return evicted;
  used_ = used_ - it->second.bytes + bytes;
  it->second.bytes = bytes;
  auto limit = knobs::inbound_budget();
  while (used_ > limit) {
    auto largest = std::max_element(holders_.begin(), holders_.end(), [](auto& a, auto& b) {
      return a.second.bytes < b.second.bytes;
    });
    if (largest == holders_.end() || largest->second.bytes == 0)
      break; // the rest is payloads being delivered: they end by themselves
    used_ -= largest->second.bytes;
    evicted.push_back(largest->second.who);
    holders_.erase(largest);
  }
  return evicted;
}

bool inbound_budget::try_reserve(std::size_t bytes) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto limit = knobs::inbound_budget();
  if (bytes > limit || used_ > limit - bytes)
    return false;
  used_ += bytes;
  return true;
}

void inbound_budget::release(std::size_t bytes) {
  std::lock_guard<std::mutex> guard{mutex_};
  used_ -= std::min(used_, bytes);
}

std::size_t inbound_budget::used() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return used_;
}

} // namespace liner
