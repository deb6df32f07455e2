#include "actors/topic_table.hpp"

namespace liner {

std::optional<int32_t> topic_table::key_of(const std::string& topic) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = keys_.find(topic);
  if (it == keys_.end())
    return std::nullopt;
  return it->second;
}

void topic_table::remember_key(const std::string& topic, int32_t key) {
  std::lock_guard<std::mutex> guard{mutex_};
  keys_[topic] = key;
}

std::optional<std::string> topic_table::listened_topic(int32_t key) const {
  auto table = std::atomic_load(&listening_);
  auto it = table->find(key);
  if (it == table->end())
    return std::nullopt;
  return it->second;
}

void topic_table::listen_to(key_map keys) {
  std::lock_guard<std::mutex> guard{mutex_};
  std::atomic_store(&listening_, std::shared_ptr<const key_map>(std::make_shared<key_map>(std::move(keys))));
}

void topic_table::listen(int32_t key, const std::string& topic) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto copy = std::make_shared<key_map>(*listening_);
  (*copy)[key] = topic;
  std::atomic_store(&listening_, std::shared_ptr<const key_map>(std::move(copy)));
}

void topic_table::stop_listening(int32_t key) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto copy = std::make_shared<key_map>(*listening_);
  copy->erase(key);
  std::atomic_store(&listening_, std::shared_ptr<const key_map>(std::move(copy)));
}

std::vector<std::string> topic_table::subscriptions() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<std::string> out;
  for (auto& s : subscriptions_)
    out.push_back(s.first);
  return out;
}

void topic_table::add_subscription(const std::string& topic, int32_t key) {
  std::lock_guard<std::mutex> guard{mutex_};
  subscriptions_[topic] = key;
  keys_[topic] = key;
  related_.insert(topic);
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
  std::lock_guard<std::mutex> guard{mutex_};
  related_.insert(topic);
}

bool topic_table::related(const std::string& topic) const {
  std::lock_guard<std::mutex> guard{mutex_};
  return related_.count(topic) != 0;
}

} // namespace liner
