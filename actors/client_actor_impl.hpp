// Spawning the client actor (the typed interface in <liner/client_actor.hpp>).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace liner {

class client_core;

/// A detached actor serving the typed client interface over `core`, which
/// outlives it (the core exits the actor before it goes away).
caf::actor spawn_client_actor(caf::actor_system& sys, client_core* core);

} // namespace liner
