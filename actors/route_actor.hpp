// The route actor: an io::broker owning the TCP stream to one listener
// address. Connects without blocking (a connector thread hands it the
// socket), reconnects with capped exponential backoff, writes batches,
// replays stored frames before new ones, and frees at-least-once frames when
// acks arrive (over TCP from our own listeners, from the store otherwise).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>

#include "actors/client_actor_impl.hpp"
#include "actors/route.hpp"
#include "actors/store_actor.hpp"
#include "runtime/auth.hpp"
#include "runtime/tls.hpp"

namespace liner {

struct route_context {
  std::shared_ptr<route_state> route;
  store_actor store;
  internal_client_actor client; // receives status events
  std::string own_name;         // who we authenticate as
  std::shared_ptr<const auth::secret> secret; // null: no authentication
  std::shared_ptr<const tls::context> tls;    // null: plain TCP
};

/// Spawns the route actor; it starts connecting at once.
caf::actor spawn_route_actor(caf::actor_system& sys, route_context ctx);

} // namespace liner
