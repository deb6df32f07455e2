#include "actors/directory.hpp"

#include <algorithm>

namespace liner {

void directory::set(const std::string& topic, addresses addrs) {
  if (addrs.empty()) {
    erase(topic);
    return;
  }
  std::shared_ptr<std::atomic<std::size_t>> counter;
  {
    std::lock_guard<std::mutex> guard{counters_mutex_};
    auto& c = counters_[topic];
    if (!c)
      c = std::make_shared<std::atomic<std::size_t>>(0);
    counter = c;
  }
  table_.update([&](table& t) { t[topic] = entry{std::move(addrs), std::move(counter)}; });
}

void directory::erase(const std::string& topic) {
  table_.update([&](table& t) { t.erase(topic); });
}

void directory::prune(const std::string& addr) {
  table_.update([&](table& t) {
    for (auto it = t.begin(); it != t.end();) {
      auto& v = it->second.addrs;
      v.erase(std::remove(v.begin(), v.end(), addr), v.end());
      it = v.empty() ? t.erase(it) : std::next(it);
    }
  });
}

std::vector<std::string> directory::topics() const {
  auto t = table_.get();
  std::vector<std::string> out;
  out.reserve(t->size());
  for (auto& [topic, e] : *t)
    out.push_back(topic);
  return out;
}

directory::choice directory::pick(const std::string& topic, bool advance) const {
  auto t = table_.get();
  auto it = t->find(topic);
  if (it == t->end())
    return {};
  auto& e = it->second;
  choice c{t, &e.addrs, 0};
  if (!advance)
    return c;
  auto n = e.addrs.size();
  auto current = e.counter->load();
  std::size_t i;
  do
    i = current % n;
  while (!e.counter->compare_exchange_weak(current, (i + 1) % n));
  c.index = i;
  return c;
}

} // namespace liner
