// What every workload shares: payload stamps, counting receivers, waiting
// for progress (never a fixed sleep), warm-up, percentiles, memory samples.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bench {

using clock = std::chrono::steady_clock;

inline double seconds(clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// -- payloads ---------------------------------------------------------------------

/// A payload's first 8 bytes (when it has 8) carry the sender's index (top
/// 16 bits) and a sequence number (low 48 bits); sequence 0 marks a warm-up
/// message. Payloads under 8 bytes carry only that mark, in their first byte
/// (0 warm-up, 1 measured), and their order is not checked.
class payload {
public:
  explicit payload(std::size_t size);
  void stamp(unsigned sender, uint64_t seq);
  const char* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }

private:
  std::vector<char> bytes_;
};

inline bool payload_has_seq(std::size_t size) {
  return size >= 8;
}

// -- waiting ------------------------------------------------------------------------

/// The one place a workload's waiting thread sleeps: receivers notify it
/// when something it waits for happens (a warm-up arrived, a target was
/// reached). Cheap to notify; notified rarely.
class board {
public:
  void notify();
  /// Waits until pred() or the deadline; returns pred().
  bool wait_until(const std::function<bool()>& pred, clock::time_point deadline);

private:
  std::mutex m_;
  std::condition_variable cv_;
};

/// Waits until done(), giving up when progress() has not changed for
/// `idle` (messages stopped coming). Returns done().
bool wait_progress(board& b, const std::function<bool()>& done,
                   const std::function<uint64_t()>& progress, clock::duration idle);

/// Warm-up: calls sweep() (which sends warm-up messages for whatever has not
/// arrived yet) until settled(), again every `interval`, at most for `limit`.
bool settle(board& b, const std::function<void()>& sweep, const std::function<bool()>& settled,
            clock::duration interval, clock::duration limit);

// -- counting receivers --------------------------------------------------------------------

/// Counts what one receiving endpoint gets. on_message runs on one library
/// thread at a time (liner calls a client's callback one message at a time;
/// a ZeroMQ receiver has one thread); the counts are read from other threads.
class counter {
public:
  /// `senders`: how many senders stamp their index (for warm-up and order).
  counter(board& b, unsigned senders, std::size_t size);

  /// Measured (non-duplicate) messages to wait for; notify the board then.
  void expect(uint64_t target);
  void on_message(const char* data, std::size_t size);

  bool warm_from(unsigned sender) const { return warm_[sender].load(std::memory_order_acquire); }
  unsigned warm_count() const { return warm_senders_.load(std::memory_order_acquire); }
  bool warm_from_all() const { return warm_senders_.load(std::memory_order_acquire) == senders_; }
  /// Measured messages, duplicates excluded.
  uint64_t fresh() const { return fresh_.load(std::memory_order_acquire); }
  bool reached() const { return reached_.load(std::memory_order_acquire); }
  /// When the message that reached the target arrived (valid once reached()).
  clock::time_point reached_at() const { return reached_at_; }
  /// Sequence numbers that arrived before (resent).
  uint64_t duplicates() const { return duplicates_.load(std::memory_order_relaxed); }
  /// Messages that arrived after a higher sequence number of the same sender.
  uint64_t out_of_order() const { return out_of_order_.load(std::memory_order_relaxed); }

private:
  board& board_;
  unsigned senders_;
  bool ordered_;
  std::unique_ptr<std::atomic<bool>[]> warm_;
  std::atomic<unsigned> warm_senders_{0};
  // Per sender, touched by the receiving thread only: which sequence
  // numbers arrived (a bit each), and the highest.
  std::vector<std::vector<bool>> seen_;
  std::vector<uint64_t> max_seq_;
  std::atomic<uint64_t> fresh_{0};
  std::atomic<uint64_t> target_{UINT64_MAX};
  std::atomic<bool> reached_{false};
  clock::time_point reached_at_{};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> out_of_order_{0};
};

/// The counters of several receivers (fanout's subscribers, mesh's peers).
using counters = std::vector<std::unique_ptr<counter>>;
/// Sum of fresh() over counters: the usual progress() of wait_progress.
uint64_t total_fresh(const counters& cs);
bool all_reached(const counters& cs);
/// Every one got a warm-up message from `sender`.
bool all_warm_from(const counters& cs, unsigned sender);
/// When the last of them reached its target.
clock::time_point latest_reached(const counters& cs);

/// A one-shot (rearmable) signal from a callback thread to a waiting one.
class event {
public:
  void set();
  /// Waits for set() at most `limit`; clears it. False on timeout.
  bool wait_and_clear(clock::duration limit);

private:
  std::mutex m_;
  std::condition_variable cv_;
  bool set_ = false;
};

/// A start line for sending threads: they wait() until open().
class gate {
public:
  void open();
  void wait();

private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

/// A thread running fn(stop) from construction; the destructor sets stop
/// and joins it.
class background {
public:
  explicit background(std::function<void(const std::atomic<bool>& stop)> fn);
  ~background();
  background(const background&) = delete;
  background& operator=(const background&) = delete;

private:
  std::atomic<bool> stop_{false};
  std::thread t_;
};

/// Calls fn(i) for i = 1, 2, ... about every `period` until `stop`: the
/// deliberate send pacing of reconnect (a late call is not made up for).
void paced(const std::atomic<bool>& stop, clock::duration period,
           const std::function<void(uint64_t)>& fn);

/// For state nothing can notify about (what a store holds): checks pred()
/// every `interval` until it holds or `limit` passed. Returns pred().
bool poll_until(const std::function<bool()>& pred, clock::duration interval, clock::duration limit);

/// Runs fn(i) on n threads at once behind a gate opened once all started;
/// returns when all finished. The first exception thrown by any is rethrown.
/// `started` is called on the caller's thread right before the gate opens.
void run_threads(unsigned n, const std::function<void(unsigned)>& fn,
                 const std::function<void()>& started);

// -- figures -------------------------------------------------------------------------

/// Nearest-rank percentile (q in [0, 1]) of sorted values.
double percentile(const std::vector<double>& sorted, double q);
double mean(const std::vector<double>& v);

/// Resident set size of this process now, from /proc/self/statm.
long rss_kib();

/// A free TCP port on 127.0.0.1 (bound and released; reused right away).
unsigned free_port();

} // namespace bench
