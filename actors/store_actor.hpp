// The store actor: a detached actor (its own thread, since database calls
// block) that is the only user of a client's Store. Work reaches it as
// store_jobs, so every operation is serialized on one connection.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <functional>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "stores/store.hpp"

namespace liner {

/// Spawns the store actor. It answers each store_job with an error text
/// ("" on success).
caf::actor spawn_store_actor(caf::actor_system& sys, std::shared_ptr<Store> store);

/// Runs `job` on the store actor and waits for it, from any non-actor thread
/// or from a blocking actor. Returns "" on success, else the error text.
std::string call_store(caf::actor_system& sys, const caf::actor& store,
                       std::function<void(Store&)> job);

} // namespace liner
