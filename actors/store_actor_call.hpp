// The templates behind with_deadline and call_store (included by
// store_actor.hpp; not a header of its own).
#pragma once

#include <caf/scoped_actor.hpp>

#include "actors/actor_runtime.hpp"
#include "runtime/defaults.hpp"
#include "runtime/knobs.hpp"

namespace liner {

using defaults::store_answer_margin;

template <class R>
store_request<R> with_deadline(R request) {
  return {std::move(request), std::chrono::steady_clock::now() + knobs::store_timeout()};
}

template <class R>
store_answer<R> call_store(caf::actor_system& sys, const store_actor& store, R request) {
  if (!store)
    return fail(error_code::store, "store actor not running");
  auto timeout = knobs::store_timeout() + store_answer_margin;
  std::optional<store_answer<R>> answer;
  user_scoped_actor self{sys};
  self->request(store, timeout, with_deadline(std::move(request)))
    .receive([&](store_answer<R>& a) { answer.emplace(std::move(a)); },
             [&](caf::error& e) {
               if (e == caf::sec::request_timeout)
                 answer.emplace(fail(error_code::store, missed_deadline_message()));
               else
                 answer.emplace(fail(error_code::store, "store actor: " + sys.render(e)));
             });
  return std::move(*answer);
}

} // namespace liner
