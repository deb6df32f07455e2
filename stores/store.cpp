// What the Store interface computes from its own calls, the same on every backend.
#include "stores/store.hpp"

#include <set>

namespace liner {

int64_t Store::pending_count() {
  std::set<int32_t> seen;
  int64_t total = 0;
  for (auto& row : pending_by_peer())
    if (seen.insert(row.connection_key).second)
      total += row.count;
  return total;
}

std::vector<std::string> Store::get_addresses_of_topic(const std::string& topic) {
  std::vector<std::string> out;
  for (auto& row : get_topic_directory(topic))
    out.push_back(std::move(row.addr));
  return out;
}

std::vector<pending_row> Store::remembered_routes() {
  std::vector<pending_row> out;
  for (auto& row : get_listeners_of_sender()) {
    auto name = get_listener_unique_name(row.listener_topic, row.addr);
    if (!name)
      continue;
    auto ck = find_connection_key_for_sender(*name);
    if (!ck)
      continue;
    out.push_back({row.addr, row.listener_topic, *name, *ck, 0});
  }
  return out;
}

std::vector<pending_row> Store::pending_by_peer() {
  auto out = remembered_routes();
  for (auto& row : out)
    row.count = count_pending_messages(row.connection_key);
  return out;
}

} // namespace liner
