// The process-wide budget for inbound messages not yet delivered
// (knobs::inbound_budget): partial frames held by every listener of every
// client, and payloads being decompressed for delivery. Without it, a few
// peers announcing huge frames and sending them slowly hold gigabytes.
#pragma once

#include <caf/actor_addr.hpp>
#include <caf/io/connection_handle.hpp>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace liner {

class inbound_budget {
public:
  /// The one budget of this process.
  static inbound_budget& instance();

  /// Who holds a partial frame: a listener and one of its connections.
  struct holder {
    caf::actor_addr listener;
    caf::io::connection_handle connection;
    uint64_t stream = 0; // the listener's serial of the connection
  };
  using ticket = uint64_t;

  /// A new inbound connection; it holds nothing yet.
  ticket enroll(holder h);
  /// The connection is gone: what it held is free.
  void leave(ticket t);

  /// Records that `t` now holds `bytes`. If the process is then over budget,
  /// returns the connections to close, largest partial frame first, until
  /// it is not (may include `t` itself). Their bytes count as free at once:
  /// each is handed out once.
  std::vector<holder> hold(ticket t, std::size_t bytes);

  /// Takes `bytes` for a decompressed payload if they fit now (partial
  /// frames are never closed for it); give them back with release().
  bool try_reserve(std::size_t bytes);
  void release(std::size_t bytes);

  /// Bytes held now (for tests and logs).
  std::size_t used() const;

private:
  struct entry {
    holder who;
    std::size_t bytes = 0;
  };
  mutable std::mutex mutex_;
  std::unordered_map<ticket, entry> holders_;
  ticket next_ = 1;
  std::size_t used_ = 0;
};

/// A reservation that gives its bytes back when it goes out of scope.
class budget_reservation {
public:
  explicit budget_reservation(std::size_t bytes)
    : bytes_(inbound_budget::instance().try_reserve(bytes) ? bytes : 0), ok_(bytes_ == bytes) {}
  ~budget_reservation() {
    if (bytes_ > 0)
      inbound_budget::instance().release(bytes_);
  }
  budget_reservation(const budget_reservation&) = delete;
  budget_reservation& operator=(const budget_reservation&) = delete;
  bool ok() const { return ok_; }

private:
  std::size_t bytes_;
  bool ok_;
};

} // namespace liner
