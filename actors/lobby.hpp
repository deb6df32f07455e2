// Inbound connections that have not sent a byte yet. The acceptor thread
// holds them here, outside CAF, and hands each one to the listener when its
// first bytes arrive; one that stays silent until its deadline is closed.
//
// Why: every peer of this protocol speaks first (hello, a frame, a
// handshake or a TLS ClientHello). An attacker who opens idle connections
// therefore gets nothing but a descriptor here, and at the connection limit
// the oldest silent one makes room for a newcomer: idle connections cannot
// lock out a peer that says hello at once. Closing one here is a plain
// close(), so descriptors stay within the limit even in a flood.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <vector>

namespace liner {

class lobby {
public:
  using clock_type = std::chrono::steady_clock;

  lobby() = default;
  ~lobby(); // closes what it still holds
  lobby(const lobby&) = delete;
  lobby& operator=(const lobby&) = delete;

  std::size_t size() const { return waiting_.size(); }

  /// Holds `fd` until its first bytes or `deadline`.
  void add(int fd, clock_type::time_point deadline);

  /// Closes the oldest connection that still has nothing to read; false if
  /// there is none (every one has bytes waiting: the next sweep hands them on).
  bool evict_oldest();

  /// One pollfd per connection held, in order, appended to `out`.
  void poll_set(std::vector<pollfd>& out) const;

  /// Time until the next deadline (zero if one passed), or -1 ms when empty.
  std::chrono::milliseconds next_timeout(clock_type::time_point now) const;

  /// Given the poll results for poll_set()'s entries: hands each connection
  /// with bytes to `ready` (fd, deadline), closes the ones the peer closed or
  /// whose deadline passed. Returns how many were closed for their deadline.
  std::size_t sweep(const pollfd* results, clock_type::time_point now,
                    const std::function<void(int, clock_type::time_point)>& ready);

private:
  struct waiting {
    int fd;
    clock_type::time_point deadline;
  };
  std::deque<waiting> waiting_; // in the order they were accepted
};

} // namespace liner
