#include "actors/control_channel.hpp"

#include <caf/send.hpp>

#include <set>

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
    log::warn(unique_name_, "emit " + ev.event + ": " + peers.error().message);
    return;
  }
  auto key = routes_.topic_key(internal_channel_topic);
  if (!key) {
    log::warn(unique_name_, "emit " + ev.event + ": " + key.error().message);
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

void control_channel::on_catalog_changes(const std::vector<catalog_change>& changes,
                                         bool everything) {
  auto& cache = routes_.addresses();
  std::set<std::string> touched;
  for (auto& c : changes) {
    if (c.topic.empty())
      everything = true;
    touched.insert(c.topic);
    if (!c.old_topic.empty())
      touched.insert(c.old_topic);
  }
  std::vector<std::string> refresh;
  if (everything) {
    refresh = cache.topics();
    refresh.push_back(internal_channel_topic);
  } else {
    for (auto& t : touched)
      if (t == internal_channel_topic || cache.pick(t, false))
        refresh.push_back(t);
  }
  // The first failure ends the round (the store is likely away: each more
  // would wait for its own timeout); it is logged once per outage.
  for (auto& t : std::set<std::string>(refresh.begin(), refresh.end())) {
    auto r = routes_.refresh(t);
    if (!r) {
      if (!refresh_failing_)
        log::warn(unique_name_, "catalog change: refreshing '" + t + "': " + r.error().message
                                   + " (logged once until a refresh works again)");
      refresh_failing_ = true;
      break;
    }
    refresh_failing_ = false;
  }
  // A peer (re)registered: a route to it that waits to reconnect, or knows
  // an older address, goes there now.
  std::set<std::pair<std::string, std::string>> moved; // (client, address)
  for (auto& c : changes)
    if ((c.op == "INSERT" || c.op == "UPDATE") && !c.client_name.empty()
        && c.client_name != unique_name_)
      moved.emplace(c.client_name, c.addr);
  for (auto& [client, addr] : moved)
    routes_.follow(client, addr);
}

} // namespace liner
