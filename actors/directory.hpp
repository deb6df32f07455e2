// The directory: which addresses serve a topic, as last read from the store.
// send_to reads it without a lock: the whole table is an immutable snapshot
// that writers copy, change and publish (runtime/snapshot.hpp). Round-robin counters live
// beside the addresses and survive a refresh of them.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/snapshot.hpp"

namespace liner {

class directory {
public:
  using addresses = std::vector<std::string>;

  /// Replaces the addresses of `topic`; an empty list forgets the topic.
  void set(const std::string& topic, addresses addrs);
  void erase(const std::string& topic);
  /// Removes `addr` from every topic (a route found it dead).
  void prune(const std::string& addr);
private:
  struct entry {
    addresses addrs;
    std::shared_ptr<std::atomic<std::size_t>> counter;
  };
  using table = std::map<std::string, entry>;

public:
  /// The cached addresses of a topic (held by the snapshot they are in, so
  /// nothing is copied) and the index of the one to use.
  struct choice {
    std::shared_ptr<const table> held;
    const addresses* addrs = nullptr;
    std::size_t index = 0;

    explicit operator bool() const { return addrs != nullptr; }
    const std::string& chosen() const { return (*addrs)[index]; }
  };

  /// The cached addresses of `topic` and, if `advance`, the index of the one
  /// to use next, round robin as liner does (i = counter % n, counter =
  /// i + 1); empty if none are cached. One snapshot read, no allocation.
  choice pick(const std::string& topic, bool advance) const;

  /// The topics whose addresses are cached.
  std::vector<std::string> topics() const;

  /// Changes whenever any topic's addresses change.
  uint64_t version() const { return table_.version(); }

private:

  snapshot<table> table_; // readers never wait
  // A topic keeps its counter when its addresses are forgotten and read again.
  std::mutex counters_mutex_;
  std::map<std::string, std::shared_ptr<std::atomic<std::size_t>>> counters_;
};

} // namespace liner
