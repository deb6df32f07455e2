// The one place that knows whether the current thread runs a callback of a
// client (receive or status), and of which one. stop() and client deletion
// ask it: from inside a client's own callback they must not wait for the
// very thread they run on.
#pragma once

#include <cstdint>

namespace liner {

/// Clients are told apart by an id that is never reused in the process.
using client_id = uint64_t;

/// A new client id.
client_id next_client_id();

/// Marks the current thread as running a callback of `client` while it lives.
class callback_scope {
public:
  explicit callback_scope(client_id client);
  ~callback_scope();
  callback_scope(const callback_scope&) = delete;
  callback_scope& operator=(const callback_scope&) = delete;

  /// True while the current thread runs a callback of `client`.
  static bool inside(client_id client);
  /// True while the current thread runs a callback of any client.
  static bool inside_any();
};

} // namespace liner
