// The counters of one client that are not a route's (those are in
// route.hpp, route_stats): what its delivery actor handed to the receive
// callback, and how its store actor served requests. Each is written by one
// thread (the delivery thread, the store actor's thread) with relaxed
// atomics and read by stats_json (client_stats.cpp) from any thread without
// a lock. The client shares them with those actors (shared_ptr): they count
// across stop and run.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace liner {

/// Messages handed to the receive callback (internal-channel events are not).
struct delivery_stats {
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> bytes{0}; // payload bytes, after decompression

  /// Counted before the callback runs, so that whoever the callback wakes
  /// sees the message counted.
  void count(std::size_t payload_bytes) {
    messages.fetch_add(1, std::memory_order_relaxed);
    bytes.fetch_add(payload_bytes, std::memory_order_relaxed);
  }
};

/// Store requests as the store actor served them: from when it took the
/// request out of its mailbox until its answer was ready (a request whose
/// deadline passed in the mailbox counts, with its short time, as a failure).
struct store_stats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> total_us{0};
  std::atomic<uint64_t> max_us{0};

  /// Only the store actor's thread calls it: max_us needs no compare-exchange.
  void record(bool ok, std::chrono::steady_clock::duration took) {
    auto us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(took).count());
    requests.fetch_add(1, std::memory_order_relaxed);
    if (!ok)
      failures.fetch_add(1, std::memory_order_relaxed);
    total_us.fetch_add(us, std::memory_order_relaxed);
    if (us > max_us.load(std::memory_order_relaxed))
      max_us.store(us, std::memory_order_relaxed);
  }
};

} // namespace liner
