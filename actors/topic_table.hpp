// What a client knows about topics: the keys of the topics it has used, its
// subscriptions, the topics it listens to (key -> topic, read by the delivery
// actor for every message, so an immutable snapshot swapped atomically), and
// the topics it relates to (whose peer events reach its status callback).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace liner {

class topic_table {
public:
  using key_map = std::unordered_map<int32_t, std::string>;

  // -- keys ---------------------------------------------------------------------

  std::optional<int32_t> key_of(const std::string& topic) const;
  void remember_key(const std::string& topic, int32_t key);

  // -- listening (lock-free reads) ------------------------------------------------

  /// The topic `key` stands for at this listener, if it listens to it.
  std::optional<std::string> listened_topic(int32_t key) const;
  /// Replaces the whole table (run).
  void listen_to(key_map keys);
  void listen(int32_t key, const std::string& topic);
  void stop_listening(int32_t key);

  // -- subscriptions ----------------------------------------------------------------

  std::vector<std::string> subscriptions() const;
  void add_subscription(const std::string& topic, int32_t key);
  /// Removes it and returns its key, if it was one.
  std::optional<int32_t> remove_subscription(const std::string& topic);
  void clear_subscriptions();

  // -- related topics ------------------------------------------------------------------

  void relate(const std::string& topic);
  bool related(const std::string& topic) const;

private:
  std::shared_ptr<const key_map> listening_ = std::make_shared<const key_map>(); // atomic_load/store
  mutable std::mutex mutex_; // everything below, and writers of listening_
  std::map<std::string, int32_t> keys_;
  std::map<std::string, int32_t> subscriptions_;
  std::set<std::string> related_;
};

} // namespace liner
