// The delivery actor: a blocking actor with its own thread that runs the
// user's receive callback, one message at a time, in order per sender. It
// drops frames at or below the sender's number baseline (dedup), resolves
// `to` and `from`, decompresses, hands internal-channel events to the client actor,
// and acknowledges: to the store within ~20 ms (batched) and, for senders of
// this project, over their TCP stream.
//
// It also decides which inbound streams may speak for which sender. A
// connection key is admitted on a stream only if the store says it leads to
// this client, and only one open stream uses a key at a time (the first);
// an internal-channel event must name the key's own sender. A stream that
// breaks these rules, or sends a payload that does not decompress within
// the limits, is closed by the listener (msg::drop_atom) and nothing it sent
// after that is delivered. See docs/security.md for what this does and does
// not protect against without a shared secret.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "actors/callback_scope.hpp"
#include "actors/client_actor_impl.hpp"
#include "actors/client_stats.hpp"
#include "actors/listener_actor.hpp"
#include "actors/store_actor.hpp"
#include "actors/topic_table.hpp"
#include "runtime/buffer_pool.hpp"

namespace liner {

using delivery_callback =
  std::function<void(std::string_view to, std::string_view from, const char* data, std::size_t size)>;

/// What the delivery actor shares with its client: values and handles, no
/// pointer into the client.
struct delivery_context {
  store_actor store;
  delivery_callback on_receive;
  std::shared_ptr<const topic_table> topics; // what we listen to (key -> topic)
  internal_client_actor client;              // gets status and internal-channel events
  client_id owner;                           // marks the callbacks it runs
  std::string unique_name;                   // ours: connection keys must lead to it
  int32_t internal_topic_key;
  std::shared_ptr<buffer_pool> batches; // batch buffers go back to the listener
  std::shared_ptr<listener_credit> credit; // bytes given back to the listener
  /// Set by a stop() from inside a callback: no callback runs after it
  /// (frames not delivered are not acked: at-least-once senders send them
  /// again later). A stop from elsewhere delivers what was read first.
  std::shared_ptr<std::atomic<bool>> stopping;
  /// The client's delivery counters (they outlive this actor: stop, run).
  std::shared_ptr<delivery_stats> stats;
};

/// Spawns the delivery actor. Send it msg::stop_atom (a request) to make it
/// write its final acks and quit; it answers when the acks are stored.
caf::actor spawn_delivery_actor(caf::actor_system& sys, delivery_context ctx);

} // namespace liner
