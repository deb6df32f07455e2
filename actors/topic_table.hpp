// What a client knows about topics: the keys of the topics it has used, its
// subscriptions, the topics it listens to (key -> topic, read by the delivery
// actor for every message, so an immutable snapshot swapped atomically), and
// the topics it relates to (whose peer events reach its status callback).
// Keys, listening and related topics are read without a lock.
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

#include "runtime/snapshot.hpp"

namespace liner {

class topic_table {
public:
  using key_map = std::unordered_map<int32_t, std::string>;

  // -- keys ---------------------------------------------------------------------

  std::optional<int32_t> key_of(const std::string& topic) const;
  void remember_key(const std::string& topic, int32_t key);
  /// Changes whenever a key or a related topic is added.
  uint64_t keys_version() const { return known_.version(); }

  // -- listening ------------------------------------------------------------------

  /// What this listener listens to now (key -> topic): a snapshot that stays
  /// valid while it is held (the delivery actor takes one per batch).
  std::shared_ptr<const key_map> listening() const;
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
  // Read on every message: snapshots (runtime/snapshot.hpp).
  struct known_topics {
    std::map<std::string, int32_t> keys;
    std::set<std::string> related;
  };
  snapshot<key_map> listening_;
  snapshot<known_topics> known_;
  mutable std::mutex mutex_; // subscriptions_
  std::map<std::string, int32_t> subscriptions_;
};

} // namespace liner
