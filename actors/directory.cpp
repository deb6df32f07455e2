#include "actors/directory.hpp"

#include <algorithm>

namespace liner {

std::shared_ptr<const directory::table> directory::snapshot() const {
  return std::atomic_load(&table_);
}

template <class Change>
void directory::update(Change change) {
  std::lock_guard<std::mutex> guard{writers_};
  auto copy = std::make_shared<table>(*snapshot());
  change(*copy);
  std::atomic_store(&table_, std::shared_ptr<const table>(std::move(copy)));
}

directory::addresses directory::find(const std::string& topic) const {
  auto t = snapshot();
  auto it = t->find(topic);
  return it == t->end() ? addresses{} : it->second.addrs;
}

void directory::set(const std::string& topic, addresses addrs) {
  if (addrs.empty()) {
    erase(topic);
    return;
  }
  update([&](table& t) {
    auto& e = t[topic];
    e.addrs = std::move(addrs);
    if (!e.counter)
      e.counter = std::make_shared<std::atomic<std::size_t>>(0);
  });
}

void directory::erase(const std::string& topic) {
  update([&](table& t) { t.erase(topic); });
}

void directory::prune(const std::string& addr) {
  update([&](table& t) {
    for (auto it = t.begin(); it != t.end();) {
      auto& v = it->second.addrs;
      v.erase(std::remove(v.begin(), v.end(), addr), v.end());
      it = v.empty() ? t.erase(it) : std::next(it);
    }
  });
}

std::size_t directory::next_index(const std::string& topic, std::size_t n) {
  auto t = snapshot();
  auto it = t->find(topic);
  if (it == t->end() || n == 0)
    return 0;
  auto& counter = *it->second.counter;
  auto current = counter.load();
  std::size_t i;
  do
    i = current % n;
  while (!counter.compare_exchange_weak(current, (i + 1) % n));
  return i;
}

} // namespace liner
