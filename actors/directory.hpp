// The directory: which addresses serve a topic, as last read from the store.
// send_to reads it without a lock: the whole table is an immutable snapshot
// that writers copy, change and swap in atomically. Round-robin counters live
// beside the addresses and survive a refresh of them.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace liner {

class directory {
public:
  using addresses = std::vector<std::string>;

  /// The cached addresses of `topic`; empty if none are cached.
  addresses find(const std::string& topic) const;
  /// Replaces the addresses of `topic`; an empty list forgets the topic.
  void set(const std::string& topic, addresses addrs);
  void erase(const std::string& topic);
  /// Removes `addr` from every topic (a route found it dead).
  void prune(const std::string& addr);
  /// The index of the address to use next for `topic`, round robin over `n`
  /// addresses as liner does (i = counter % n, counter = i + 1).
  std::size_t next_index(const std::string& topic, std::size_t n);

private:
  struct entry {
    addresses addrs;
    std::shared_ptr<std::atomic<std::size_t>> counter;
  };
  using table = std::map<std::string, entry>;

  std::shared_ptr<const table> snapshot() const;
  /// Copies the table, lets `change` edit the copy, publishes it.
  template <class Change>
  void update(Change change);

  std::shared_ptr<const table> table_ = std::make_shared<const table>(); // atomic_load/store
  std::mutex writers_; // one writer at a time; readers never wait
};

} // namespace liner
