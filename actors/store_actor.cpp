#include "actors/store_actor.hpp"

#include <caf/event_based_actor.hpp>
#include "actors/actor_runtime.hpp"

#include <chrono>

namespace liner {

namespace {

// Long enough for a 5 s lock timeout plus a slow commit.
constexpr auto store_call_timeout = std::chrono::seconds(60);

caf::behavior store_actor(caf::event_based_actor*, std::shared_ptr<Store> store) {
  return {
    [store](msg::store_job& job) -> std::string {
      try {
        job.run(*store);
        return {};
      } catch (const std::exception& e) {
        return e.what()[0] ? e.what() : "store error";
      }
    },
  };
}

} // namespace

caf::actor spawn_store_actor(caf::actor_system& sys, std::shared_ptr<Store> store) {
  return sys.spawn<caf::detached>(store_actor, std::move(store));
}

std::string call_store(caf::actor_system& sys, const caf::actor& store,
                       std::function<void(Store&)> job) {
  user_scoped_actor self{sys};
  std::string result;
  self->request(store, store_call_timeout, msg::store_job{std::move(job)})
    .receive([&](std::string& err) { result = std::move(err); },
             [&](caf::error& err) { result = "store actor: " + sys.render(err); });
  return result;
}

} // namespace liner
