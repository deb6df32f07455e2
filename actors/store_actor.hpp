// The store actor: a detached actor (its own thread, since database calls
// block) that is the only user of a client's Store. Its interface is typed:
// it serves store_request<R> for every request R of req::all (see
// store_requests.hpp) and answers each with a result<R::value_type>.
//
// Every request carries a deadline. The actor does not start a request whose
// deadline passed while it waited in the mailbox, and a database call never
// outlives it (the backends wait on their sockets and locks until then). The
// actor owns its connection's health: a broken PostgreSQL connection is
// re-established with capped backoff and the failed request tried once more;
// a SQLite lock is waited for until the deadline. It never runs user code.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <memory>

#include "actors/client_stats.hpp"
#include "actors/store_requests.hpp"
#include "runtime/result.hpp"
#include "stores/store.hpp"

namespace liner {

/// A request on its way to the store actor, with the time after which nobody
/// waits for its answer any more.
template <class R>
struct store_request {
  R request;
  std::chrono::steady_clock::time_point deadline;
};

template <class R>
using store_answer = result<typename R::value_type>;

namespace detail {
template <class List>
struct store_actor_of;
template <class... Rs>
struct store_actor_of<req::request_list<Rs...>> {
  using type = caf::typed_actor<
    typename caf::replies_to<store_request<Rs>>::template with<store_answer<Rs>>...>;
};
} // namespace detail

/// The typed handle of a store actor.
using store_actor = detail::store_actor_of<req::all>::type;

/// Spawns the store actor; it owns `store` from now on and counts every
/// request it serves in `stats` (shared with the client). `who` names the
/// client in its log lines (a lost and a restored connection, at info).
store_actor spawn_store_actor(caf::actor_system& sys, std::unique_ptr<Store> store,
                              std::shared_ptr<store_stats> stats, std::string who);

/// A request with the deadline every store call gets (knobs::store_timeout).
template <class R>
store_request<R> with_deadline(R request);

/// Sends `request` to the store actor and waits for the answer, at most until
/// its deadline (plus a short margin for the answer to travel). Callable from
/// any thread except the store actor's own: user threads, blocking actors.
/// After the deadline it fails with LNR_ERR_STORE and nothing refers to the
/// caller any more.
template <class R>
store_answer<R> call_store(caf::actor_system& sys, const store_actor& store, R request);

/// "store did not answer within 5 s": the message of a missed deadline.
std::string missed_deadline_message();

} // namespace liner

namespace caf {
// Local messages only (never serialized): whitelisted, not registered.
template <class R>
struct allowed_unsafe_message_type<liner::store_request<R>> : std::true_type {};
template <class T>
struct allowed_unsafe_message_type<liner::result<T>> : std::true_type {};
} // namespace caf

#include "actors/store_actor_call.hpp"
