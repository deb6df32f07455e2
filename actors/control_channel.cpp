#include "actors/control_channel.hpp"

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "runtime/log.hpp"

namespace liner {

control_channel::control_channel(caf::actor_system& sys, store_actor store, router& routes,
                                 topic_table& topics, std::string unique_name, status_fn status)
  : sys_(sys), store_(std::move(store)), routes_(routes), topics_(topics),
    unique_name_(std::move(unique_name)), status_(std::move(status)) {
}

void control_channel::announce(const internal_event& ev, bool alo,
                               const std::optional<std::string>& own_addr) {
  auto peers = call_store(sys_, store_, req::topic_directory{internal_channel_topic});
  if (!peers) {
    LINER_LOG_ERROR("emit " + ev.event + ": " + peers.error().message);
    return;
  }
  auto key = routes_.topic_key(internal_channel_topic);
  if (!key) {
    LINER_LOG_ERROR("emit " + ev.event + ": " + key.error().message);
    return;
  }
  auto json = ev.to_json();
  for (auto& p : *peers) {
    if (p.client_name == unique_name_ || (own_addr && p.addr == *own_addr))
      continue;
    auto route = routes_.ensure(p.addr, internal_channel_topic, p.client_name);
    if (!route)
      continue;
    bool wake = false;
    (*route)->enqueue(*key, json.data(), json.size(), alo, when_full::queue, wake);
    if (wake)
      caf::anon_send((*route)->actor(), msg::wake_atom::value);
  }
}

void control_channel::on_event(const internal_event& ev) {
  if (!ev.topic.empty() && ev.topic != internal_channel_topic) {
    routes_.refresh(ev.topic);
    if (ev.event == "unsubscribed")
      routes_.forget_topic(ev.topic, ev.client);
  }
  if (ev.event == "client_connected" || ev.event == "client_disconnected")
    routes_.refresh(internal_channel_topic);
  if (ev.event == "client_connected" && !ev.client.empty())
    routes_.follow(ev.client, ev.addr);
  if (!topics_.related(ev.topic))
    return;
  if (ev.event == "client_connected")
    status_(status_kind::peer_connected, ev.topic, ev.client, ev.event);
  else if (ev.event == "client_disconnected")
    status_(status_kind::peer_disconnected, ev.topic, ev.client, ev.event);
  else if (ev.event == "subscribed")
    status_(status_kind::peer_subscribed, ev.topic, ev.client, ev.event);
  else if (ev.event == "unsubscribed")
    status_(status_kind::peer_unsubscribed, ev.topic, ev.client, ev.event);
}

} // namespace liner
