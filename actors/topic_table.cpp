#include "actors/topic_table.hpp"

namespace liner {

std::optional<int32_t> topic_table::key_of(const std::string& topic) const {
  auto known = known_.get();
  auto it = known->keys.find(topic);
  if (it == known->keys.end())
    return std::nullopt;
  return it->second;
}

void topic_table::remember_key(const std::string& topic, int32_t key) {
  known_.update([&](known_topics& k) { k.keys[topic] = key; });
}

std::shared_ptr<const topic_table::key_map> topic_table::listening() const {
  return listening_.get();
}

void topic_table::listen_to(key_map keys) {
  listening_.update([&](key_map& m) { m = std::move(keys); });
}

void topic_table::listen(int32_t key, const std::string& topic) {
  listening_.update([&](key_map& m) { m[key] = topic; });
}

void topic_table::stop_listening(int32_t key) {
  listening_.update([&](key_map& m) { m.erase(key); });
}

std::vector<std::string> topic_table::subscriptions() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<std::string> out;
  for (auto& s : subscriptions_)
    out.push_back(s.first);
  return out;
}

void topic_table::add_subscription(const std::string& topic, int32_t key) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    subscriptions_[topic] = key;
  }
  known_.update([&](known_topics& k) {
    k.keys[topic] = key;
    k.related.insert(topic);
  });
}

std::optional<int32_t> topic_table::remove_subscription(const std::string& topic) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = subscriptions_.find(topic);
  if (it == subscriptions_.end())
    return std::nullopt;
  auto key = it->second;
  subscriptions_.erase(it);
  return key;
}

void topic_table::clear_subscriptions() {
  std::lock_guard<std::mutex> guard{mutex_};
  subscriptions_.clear();
}

void topic_table::relate(const std::string& topic) {
  if (!related(topic)) // on every send: publish only the first time
    known_.update([&](known_topics& k) { k.related.insert(topic); });
}

bool topic_table::related(const std::string& topic) const {
  return known_.get()->related.count(topic) != 0;
}

} // namespace liner
