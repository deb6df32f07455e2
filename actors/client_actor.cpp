#include <liner/client_actor.hpp>

#include <caf/actor_cast.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/client_actor_impl.hpp"
#include "actors/client_core.hpp"

namespace liner {

namespace {

int32_t code_of(bool ok, client_core* core) {
  return ok ? 0 : static_cast<int32_t>(core->last_error());
}

// Detached: its handlers may wait on the store like any API call does.
client_actor::behavior_type client_actor_impl(client_actor::pointer, client_core* core) {
  core->client_actor_thread(std::this_thread::get_id()); // detached: one thread
  return {
    [=](send_atom, const std::string& topic, const std::vector<char>& data, bool alo) {
      return code_of(core->send_to(topic, data.data(), data.size(), alo), core);
    },
    [=](send_all_atom, const std::string& topic, const std::vector<char>& data, bool alo) {
      return code_of(core->send_all(topic, data.data(), data.size(), alo), core);
    },
    [=](subscribe_atom, const std::string& topic) {
      return code_of(core->subscribe(topic), core);
    },
    [=](unsubscribe_atom, const std::string& topic) {
      return code_of(core->unsubscribe(topic), core);
    },
    [=](refresh_atom, const std::string& topic) {
      return code_of(core->refresh_address_topic(topic), core);
    },
    [=](status_atom, int32_t kind, const std::string& topic, const std::string& peer,
        const std::string& message, const std::string& addr) {
      auto k = static_cast<status_kind>(kind);
      if (k == status_kind::sender_route_lost)
        core->on_route_lost(addr);
      core->emit_status(k, topic, peer, message);
    },
  };
}

} // namespace

caf::actor spawn_client_actor(caf::actor_system& sys, client_core* core) {
  return caf::actor_cast<caf::actor>(sys.spawn<caf::detached>(client_actor_impl, core));
}

client_actor client_actor_of(Client& client) {
  return caf::actor_cast<client_actor>(client.core().client_actor());
}

} // namespace liner
