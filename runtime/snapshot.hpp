// A value that readers get without taking a lock, for tables read on every
// message and changed rarely (a client's directory, the topics it listens
// to). Writers publish a new immutable version under a mutex; each reader
// thread keeps the version it saw last in a small thread-local cache and
// goes to the mutex only when a newer one was published.
//
// (std::atomic_load on a shared_ptr looks lock-free but takes one of a few
// process-wide mutexes in libstdc++: a sender and a delivery thread then
// contend on every message.)
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace liner {

template <class T>
class snapshot {
public:
  explicit snapshot(T initial = T{}) : value_(std::make_shared<const T>(std::move(initial))) {}
  snapshot(const snapshot&) = delete;
  snapshot& operator=(const snapshot&) = delete;

  /// The current version; it stays valid (and unchanged) while it is held.
  std::shared_ptr<const T> get() const { return current_slot().value; }

  /// Runs `f` on the current version without copying the shared_ptr (whose
  /// count, shared by every reader thread, is a contended cache line). `f`
  /// must not read another snapshot: that could replace this thread's
  /// cached version under it. Copy out what must outlive `f`.
  template <class F>
  decltype(auto) read(F&& f) const {
    return f(*current_slot().value);
  }

  /// Counts the versions published: equal numbers, same value.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  /// Publishes `change` applied to a copy of the current version.
  template <class Change>
  void update(Change change) {
    std::lock_guard<std::mutex> guard{mutex_};
    auto copy = std::make_shared<T>(*value_);
    change(*copy);
    value_ = std::move(copy);
    version_.fetch_add(1, std::memory_order_release);
  }

private:
  struct slot_type {
    uint64_t owner = 0; // the snapshot's id; ids are never reused
    uint64_t version = 0;
    std::shared_ptr<const T> value;
  };

  // This thread's slot, holding the current version (refreshed under the
  // mutex only when a newer one was published).
  slot_type& current_slot() const {
    auto v = version_.load(std::memory_order_acquire);
    auto& slot = reader_slot();
    if (slot.owner != id_ || slot.version != v) {
      std::lock_guard<std::mutex> guard{mutex_};
      slot = {id_, version_.load(std::memory_order_relaxed), value_};
    }
    return slot;
  }

  // Slots per thread and value type; a snapshot takes the slot its id
  // hashes to. Ids are consecutive, so the snapshots a thread reads on every
  // message (a client's few, the C API's registry) rarely share a slot; two
  // that do take turns through the mutex.
  slot_type& reader_slot() const {
    thread_local std::array<slot_type, 64> slots;
    return slots[id_ % slots.size()];
  }

  static uint64_t next_id() {
    static std::atomic<uint64_t> last{0};
    return ++last;
  }

  const uint64_t id_ = next_id();
  std::atomic<uint64_t> version_{0};
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
};

} // namespace liner
