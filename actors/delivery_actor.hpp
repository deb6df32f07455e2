// The delivery actor: a blocking actor with its own thread that runs the
// user's receive callback, one message at a time, in order per sender. It
// drops frames at or below the sender's number baseline (dedup), resolves
// `to` and `from`, decompresses, hands internal-channel events to the client,
// and acknowledges: to the store within ~20 ms (batched) and, for senders of
// this project, over their TCP stream.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "actors/store_actor.hpp"
#include "runtime/buffer_pool.hpp"
#include "runtime/error_code.hpp"
#include "runtime/internal_event.hpp"

namespace liner {

/// What the delivery actor needs from its client.
class delivery_hooks {
public:
  virtual ~delivery_hooks() = default;
  /// The topic a key stands for at this listener, if it listens to it.
  virtual std::optional<std::string> topic_of_key(int32_t key) = 0;
  virtual void on_internal_event(const internal_event& ev) = 0;
  virtual void emit_status(status_kind kind, const std::string& topic, const std::string& peer,
                           const std::string& message) = 0;
  /// Tells which thread runs the callbacks (so the client can spot calls
  /// made from inside them).
  virtual void delivery_thread_started(std::thread::id id) = 0;
};

using delivery_callback =
  std::function<void(std::string_view to, std::string_view from, const char* data, std::size_t size)>;

struct delivery_context {
  store_actor store;
  delivery_callback on_receive;
  delivery_hooks* hooks;
  int32_t internal_topic_key;
  std::shared_ptr<buffer_pool> batches; // batch buffers go back to the listener
};

/// Spawns the delivery actor. Send it msg::stop_atom (a request) to make it
/// write its final acks and quit; it answers when the acks are stored.
caf::actor spawn_delivery_actor(caf::actor_system& sys, delivery_context ctx);

} // namespace liner
