// The client actor as the library sees it: the public typed interface of
// <liner/client_actor.hpp> plus the internal messages that only the library
// sends (status events from routes and the delivery actor, events read on the
// internal channel, catalog changes from the catalog watch). Its thread runs the status callback, one event at a time.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>

#include <memory>

#include <liner/client_actor.hpp>

#include "actors/messages.hpp"

namespace liner {

class client_core;

using internal_client_actor =
  client_actor::extend<caf::reacts_to<msg::status_event>, caf::reacts_to<msg::peer_event>,
                       caf::reacts_to<msg::catalog_changes>>;

/// A detached actor serving the client interface over `core`. It holds the
/// core weakly: requests after the core is gone fail with LNR_ERR_NOT_RUNNING.
internal_client_actor spawn_client_actor(caf::actor_system& sys, std::weak_ptr<client_core> core);

} // namespace liner
