// Atoms and message types exchanged between a client's actors. Everything
// here stays inside one process, so the non-serializable types are only
// whitelisted, never registered for the network.
#pragma once

#include <caf/atom.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/io/connection_handle.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <liner/error_code.hpp>
#include "runtime/buffer_pool.hpp"
#include "stores/catalog_feed.hpp"
#include "runtime/frame_codec.hpp"
#include "runtime/internal_event.hpp"

namespace liner::msg {

using wake_atom = caf::atom_constant<caf::atom("lnr_wake")>;
using stop_atom = caf::atom_constant<caf::atom("lnr_stop")>;
using retry_atom = caf::atom_constant<caf::atom("lnr_retry")>;
using connect_atom = caf::atom_constant<caf::atom("lnr_conn")>;
using poll_atom = caf::atom_constant<caf::atom("lnr_poll")>;
using ack_atom = caf::atom_constant<caf::atom("lnr_ack")>;
using grace_atom = caf::atom_constant<caf::atom("lnr_grace")>;
using save_atom = caf::atom_constant<caf::atom("lnr_save")>;
using trim_atom = caf::atom_constant<caf::atom("lnr_trim")>;      // route: delete acked rows
using resume_atom = caf::atom_constant<caf::atom("lnr_resum")>;   // listener: read again
using drop_atom = caf::atom_constant<caf::atom("lnr_drop")>;      // listener: close a stream
using closed_atom = caf::atom_constant<caf::atom("lnr_closd")>;   // delivery: a stream ended
using deadline_atom = caf::atom_constant<caf::atom("lnr_dline")>; // first frame / handshake due
using heartbeat_atom = caf::atom_constant<caf::atom("lnr_beat")>;  // a stream's liveness check
using authenticated_atom = caf::atom_constant<caf::atom("lnr_authd")>; // delivery: a stream's peer

/// A connected socket handed from the connector to a route. Closes the
/// socket unless a route took it (the route may be gone by then).
class socket_handoff {
public:
  explicit socket_handoff(int fd) : fd_(fd) {}
  ~socket_handoff();
  socket_handoff(const socket_handoff&) = delete;
  socket_handoff& operator=(const socket_handoff&) = delete;
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

private:
  int fd_;
};

/// A status event on its way to the client actor, whose thread runs the
/// status callback (one event at a time per client). `addr` is the route's
/// address for route events (a lost route prunes it from the directory).
struct status_event {
  status_kind kind = status_kind::peer_connected;
  std::string topic;
  std::string peer;
  std::string message;
  std::string addr;
};

/// An event read on the internal channel, for the client actor to act on.
struct peer_event {
  internal_event event;
};

/// Catalog changes the database reported (catalog_watch.hpp), for the
/// client actor to act on. `everything`: refresh every cached topic (the
/// feed just (re)connected, or it is down and this is the fallback poll).
struct catalog_changes {
  std::vector<catalog_change> changes;
  bool everything = false;
  /// With `everything`: set by the watch, cleared once the refresh is done,
  /// so that a slow store never piles refreshes up in the mailbox.
  std::shared_ptr<std::atomic<bool>> refreshing;
};

/// A connection the acceptor took, for the listener (acceptor.hpp), once
/// its first bytes came. By `deadline` it must have sent a complete frame.
struct accepted_socket {
  std::shared_ptr<socket_handoff> socket;
  std::chrono::steady_clock::time_point deadline;
};

/// Result of one connect attempt: a socket, or why there is none.
struct connect_result {
  uint64_t attempt = 0;
  std::shared_ptr<socket_handoff> socket;
  std::string error;
  bool refused = false; // nothing listened at the address
};

/// One frame of a delivery batch: its header and where its payload lies in
/// the batch's buffer (still compressed if the COMPRESS flag is set).
struct frame_ref {
  frame_header header;
  std::size_t offset = 0;
  uint32_t size = 0;
  bool in_extra = false; // in `extra`, else in `data`
};

/// Frames cut from one read of one inbound connection, for the delivery
/// actor. `data` is the buffer the socket was read into (no copy); frames
/// that began in an earlier read are copied whole into `extra`.
struct frame_batch {
  caf::io::connection_handle connection;
  uint64_t stream = 0;      // the listener's serial number of the connection
  std::size_t charged = 0; // bytes counted against the listener's in-flight limit
  bool acks_wanted = false; // the sender said hello: ack it over TCP
  bool read_buffer = false; // `data` is a socket read buffer (goes back sized)
  byte_buffer data;
  byte_buffer extra;
  std::vector<frame_ref> frames;

  const char* bytes_of(const frame_ref& f) const {
    return (f.in_extra ? extra : data).data() + f.offset;
  }
};

/// Gives a batch's buffers back to the pool they came from (a read buffer at
/// the size it had as CAF's, so the listener can hand it to CAF as is).
inline void recycle(buffer_pool& pool, frame_batch& b) {
  if (b.read_buffer) {
    auto size = b.data.capacity();
    pool.give_sized(std::move(b.data), size);
  }
  else
    pool.give(std::move(b.data));
  pool.give(std::move(b.extra));
}

} // namespace liner::msg

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(liner::msg::status_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(liner::msg::peer_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(liner::msg::catalog_changes)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(liner::msg::connect_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(liner::msg::accepted_socket)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(liner::msg::frame_batch)
