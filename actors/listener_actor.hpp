// The listener: an io::broker that owns every inbound stream of a client
// (the acceptor thread hands them over). It only cuts frames (no
// decompression, no user code: all brokers share the one multiplexer
// thread) and hands each read's frames to the delivery actor as one batch.
//
// What keeps its memory bounded:
// - flow control: bytes handed to delivery and not yet through it are
//   counted (listener_credit); above defaults::listener_max_in_flight the
//   listener stops reading the streams that keep sending, so TCP pushes back
//   on their senders, and reads again once delivery caught up;
// - partial frames count against the process-wide inbound_budget: over it,
//   the stream holding the largest one is closed;
// - a stream that sends no complete valid frame within
//   knobs::first_frame_timeout() is closed;
// - malformed streams are closed, and so are streams the delivery actor
//   refuses (msg::drop_atom). The client keeps going.
// Senders of this project say hello first and get acks back. With a shared
// secret, every stream must first pass the handshake of runtime/auth.hpp;
// anything else closes it.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "runtime/auth.hpp"
#include "runtime/buffer_pool.hpp"
#include "runtime/tls.hpp"

namespace liner {

/// Bytes the listener handed to the delivery actor that it has not finished
/// with. The delivery actor gives them back after each batch and wakes the
/// listener (msg::resume_atom) when it had paused and the count fell to half.
struct listener_credit {
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> paused{false};

  /// The delivery actor is done with `bytes`: true if it must wake the listener.
  bool give_back(std::size_t bytes);
};

struct listener_context {
  caf::actor delivery;
  std::shared_ptr<buffer_pool> batches; // the delivery actor gives them back
  std::shared_ptr<listener_credit> credit;
  std::shared_ptr<std::atomic<std::size_t>> open; // its connections (the acceptor limits them)
  std::shared_ptr<const auth::secret> secret;     // null: no authentication
  std::string own_name;                           // our unique name, for the handshake
  std::shared_ptr<const tls::context> tls;        // null: plain TCP
};

/// Spawns the listener.
caf::actor spawn_listener_actor(caf::actor_system& sys, listener_context ctx);

} // namespace liner
