#include <liner/client_actor.hpp>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/client_actor_impl.hpp"
#include "actors/client_core.hpp"

namespace liner {

namespace {

int32_t code_of(const result<void>& r) {
  return r ? 0 : static_cast<int32_t>(r.error().code);
}

// Runs `call` on the core if it still exists.
template <class Call>
int32_t with_core(const std::weak_ptr<client_core>& weak, Call call) {
  auto core = weak.lock();
  if (!core)
    return static_cast<int32_t>(error_code::not_running);
  return code_of(call(*core));
}

// Detached: its handlers may wait on the store like any API call does, and
// its thread runs the status callback.
internal_client_actor::behavior_type client_actor_impl(internal_client_actor::pointer,
                                                       std::weak_ptr<client_core> weak) {
  return {
    [=](send_atom, const std::string& topic, const std::vector<char>& data, bool alo) {
      return with_core(weak, [&](client_core& c) { return c.send_to(topic, data.data(), data.size(), alo); });
    },
    [=](send_all_atom, const std::string& topic, const std::vector<char>& data, bool alo) {
      return with_core(weak, [&](client_core& c) { return c.send_all(topic, data.data(), data.size(), alo); });
    },
    [=](subscribe_atom, const std::string& topic) {
      return with_core(weak, [&](client_core& c) { return c.subscribe(topic); });
    },
    [=](unsubscribe_atom, const std::string& topic) {
      return with_core(weak, [&](client_core& c) { return c.unsubscribe(topic); });
    },
    [=](refresh_atom, const std::string& topic) {
      return with_core(weak, [&](client_core& c) { return c.refresh_address_topic(topic); });
    },
    [=](const msg::status_event& ev) {
      if (auto core = weak.lock()) {
        if (ev.kind == status_kind::sender_route_lost)
          core->on_route_lost(ev.addr);
        core->emit_status(ev.kind, ev.topic, ev.peer, ev.message);
      }
    },
    [=](const msg::peer_event& ev) {
      if (auto core = weak.lock())
        core->on_peer_event(ev.event);
    },
    [=](const msg::catalog_changes& ev) {
      if (auto core = weak.lock())
        core->on_catalog_changes(ev.changes, ev.everything);
      if (ev.refreshing)
        ev.refreshing->store(false);
    },
  };
}

} // namespace

internal_client_actor spawn_client_actor(caf::actor_system& sys, std::weak_ptr<client_core> core) {
  return sys.spawn<caf::detached>(client_actor_impl, std::move(core));
}

client_actor client_actor_of(Client& client) {
  return client.core().client_actor();
}

} // namespace liner
