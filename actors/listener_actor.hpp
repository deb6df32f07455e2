// The listener: an io::broker that owns the listening socket and every
// inbound stream. It only cuts frames (no decompression, no user code: all
// brokers share the one multiplexer thread) and hands each read's frames to
// the delivery actor as one batch. Malformed streams are closed; the client
// keeps going. Senders of this project say hello first and get acks back.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>

#include "runtime/buffer_pool.hpp"

namespace liner {

/// Spawns the listener on an already bound, listening socket. Batch buffers
/// come from `batches`, where the delivery actor gives them back.
caf::actor spawn_listener_actor(caf::actor_system& sys, int listen_fd, caf::actor delivery,
                                std::shared_ptr<buffer_pool> batches);

} // namespace liner
