// client_core: sending, address resolution, routes, and the internal channel.
#include <caf/scoped_actor.hpp>

#include <algorithm>

#include "actors/client_core.hpp"
#include "actors/messages.hpp"
#include "actors/route_actor.hpp"
#include "runtime/knobs.hpp"
#include "runtime/log.hpp"

namespace liner {

// -- sending -------------------------------------------------------------------------

bool client_core::check_send(const char* what, const std::string& topic, std::size_t size) {
  if (!running_)
    return fail(error_code::not_running,
                std::string("you can't ") + what + " because client not is running");
  if (topic == topic_)
    return fail(error_code::self_topic, "you can't send on your own topic");
  if (size == 0)
    return fail(error_code::invalid_arg, "payload empty");
  auto max = knobs::max_message_size();
  if (frame_min_body + size > max)
    return fail(error_code::invalid_arg,
                "payload too large for max_message_size (payload " + std::to_string(size)
                  + ", framed body " + std::to_string(size + frame_min_body) + ", max "
                  + std::to_string(max) + ")");
  return true;
}

enqueue_result client_core::enqueue(const std::shared_ptr<route_state>& route, int32_t key,
                                    const void* data, std::size_t size, bool alo) {
  bool wake = false;
  auto res = route->enqueue(key, static_cast<const char*>(data), size, alo, wake);
  if (wake)
    caf::anon_send(route->actor(), msg::wake_atom::value);
  if (res == enqueue_result::busy)
    emit_status(status_kind::sender_busy, route->first_topic, route->addr(), "send queue full");
  return res;
}

bool client_core::send_to(const std::string& topic, const void* data, std::size_t size,
                          bool alo) {
  if (!check_send("send_to", topic, size))
    return false;
  std::vector<std::shared_ptr<route_state>> routes;
  auto r = routes_for(topic, alo, false, routes);
  if (r.code != error_code::ok)
    return fail(r.code, r.message);
  if (!routes.front())
    return fail(error_code::store, "ensure_send_route failed");
  std::string err;
  auto key = topic_key(topic, err);
  if (!key)
    return fail(error_code::store, err);
  switch (enqueue(routes.front(), *key, data, size, alo)) {
    case enqueue_result::ok:
      return ok();
    case enqueue_result::busy:
      return fail(error_code::busy, "send queue full");
    default:
      return fail(error_code::not_running, "you can't send_to because client not is running");
  }
}

bool client_core::send_all(const std::string& topic, const void* data, std::size_t size,
                           bool alo) {
  if (!check_send("send_all", topic, size))
    return false;
  std::vector<std::shared_ptr<route_state>> routes;
  auto r = routes_for(topic, alo, true, routes);
  if (r.code != error_code::ok)
    return fail(r.code, r.message);
  std::string err;
  auto key = topic_key(topic, err);
  if (!key)
    return fail(error_code::store, err);
  bool busy = false, failed = false;
  for (auto& route : routes) {
    auto res = route ? enqueue(route, *key, data, size, alo) : enqueue_result::closed;
    busy |= res == enqueue_result::busy;
    failed |= res == enqueue_result::closed;
  }
  if (busy)
    return fail(error_code::busy, "send queue full");
  if (failed)
    return fail(error_code::store, "send_all failed for one or more peers");
  return ok();
}

// The routes a send goes to: one address of the topic (round robin) or all
// of them. A cached address the store no longer knows (its listener moved
// while we were stopped) makes no route: resolve again from the store, once.
// Addresses that still make no route are null entries.
client_core::resolved client_core::routes_for(const std::string& topic, bool alo, bool all,
                                              std::vector<std::shared_ptr<route_state>>& routes) {
  std::string err;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = resolve(topic, alo);
    if (r.code != error_code::ok)
      return r;
    std::vector<std::string> chosen;
    {
      std::lock_guard<std::mutex> st{state_};
      related_.insert(topic);
      if (all) {
        chosen = std::move(r.addrs);
      } else {
        auto& counter = round_robin_[topic];
        auto i = counter % r.addrs.size();
        counter = (i + 1) % r.addrs.size();
        chosen.push_back(r.addrs[i]);
      }
    }
    routes.clear();
    bool missing = false;
    for (auto& addr : chosen) {
      routes.push_back(ensure_route(addr, topic, "", err));
      missing |= routes.back() == nullptr;
    }
    if (!missing)
      break;
    forget_cached(topic);
  }
  return {};
}

void client_core::forget_cached(const std::string& topic) {
  std::lock_guard<std::mutex> st{state_};
  cache_.erase(topic);
}

// -- resolution ------------------------------------------------------------------------

client_core::resolved client_core::resolve(const std::string& topic, bool alo) {
  {
    std::lock_guard<std::mutex> st{state_};
    auto it = cache_.find(topic);
    if (it != cache_.end() && !it->second.empty())
      return {error_code::ok, "", it->second};
  }
  auto found = store(req::resolve_topic{topic, alo});
  std::lock_guard<std::mutex> st{state_};
  if (!found) {
    cache_.erase(topic);
    return {error_code::store, found.error().message, {}};
  }
  auto addrs = std::move(found->addrs);
  if (addrs.empty() && alo) {
    // The peer left the catalog: keep queueing for the routes that carried
    // this topic (every topic sent to an address, not just the first).
    for (auto& [name, route] : routes_)
      if (route->has_topic(topic))
        addrs.push_back(route->addr());
    for (auto& row : found->remembered)
      if (std::find(addrs.begin(), addrs.end(), row.addr) == addrs.end())
        addrs.push_back(row.addr);
    std::sort(addrs.begin(), addrs.end());
  }
  if (addrs.empty()) {
    cache_.erase(topic);
    return {error_code::no_addr, "not found addr for topic " + topic, {}};
  }
  cache_[topic] = addrs;
  return {error_code::ok, "", std::move(addrs)};
}

std::optional<int32_t> client_core::topic_key(const std::string& topic, std::string& error) {
  {
    std::lock_guard<std::mutex> st{state_};
    auto it = topic_keys_.find(topic);
    if (it != topic_keys_.end())
      return it->second;
  }
  auto key = store(req::topic_key{topic});
  if (!key) {
    error = key.error().message;
    return std::nullopt;
  }
  std::lock_guard<std::mutex> st{state_};
  topic_keys_[topic] = *key;
  return *key;
}

std::shared_ptr<route_state> client_core::ensure_route(const std::string& addr,
                                                       const std::string& topic,
                                                       const std::string& listener_name,
                                                       std::string& error) {
  // A route that carries a topic for the first time remembers it in the
  // store (the at-least-once fallback finds it there after a restart).
  bool first_time = false;
  auto known = [&](const std::string& name) -> std::shared_ptr<route_state> {
    auto it = routes_.find(name);
    if (it == routes_.end())
      return nullptr;
    route_names_[addr] = name;
    first_time = it->second->add_topic(topic);
    return it->second;
  };
  std::shared_ptr<route_state> route;
  {
    std::lock_guard<std::mutex> st{state_};
    auto n = route_names_.find(addr);
    if (n != route_names_.end())
      route = known(n->second);
    if (!route && !listener_name.empty())
      route = known(listener_name);
  }
  if (route) {
    if (first_time)
      store(req::remember_route{addr, topic, route->listener_name});
    return route;
  }
  auto info = store(req::open_route{addr, topic, listener_name});
  if (!info) {
    error = info.error().message;
    return nullptr;
  }
  std::lock_guard<std::mutex> st{state_};
  if (!running_) {
    error = "client not is running";
    return nullptr;
  }
  if (auto existing = known(info->listener_name))
    return existing;
  auto& name = info->listener_name;
  route = std::make_shared<route_state>(addr, info->connection_key, name, topic, info->counter,
                                        info->queued);
  thread_logger_scope scope; // spawns
  route->set_actor(spawn_route_actor(system(), {route, store_actor_, client_actor_}));
  routes_[name] = route;
  route_names_[addr] = name;
  return route;
}

std::vector<std::shared_ptr<route_state>> client_core::take_routes() {
  std::lock_guard<std::mutex> st{state_};
  std::vector<std::shared_ptr<route_state>> out;
  for (auto& [name, route] : routes_)
    out.push_back(route);
  routes_.clear();
  route_names_.clear();
  return out;
}

// Routes of a previous run that still hold stored messages come back at
// once, at the listener's current address if it moved.
void client_core::restore_routes() {
  auto todo = store(req::routes_to_restore{});
  if (!todo) {
    emit_status(status_kind::sender_store_error, "", "", "restoring routes: " + todo.error().message);
    return;
  }
  for (auto& r : *todo) {
    std::string route_err;
    ensure_route(r.addr, r.topic, r.listener_name, route_err);
  }
}

// -- cache maintenance -------------------------------------------------------------------

void client_core::refresh_cache(const std::string& topic) {
  auto found = store(req::resolve_topic{topic, false});
  if (!found)
    return;
  std::lock_guard<std::mutex> st{state_};
  if (found->addrs.empty())
    cache_.erase(topic);
  else
    cache_[topic] = std::move(found->addrs);
}

void client_core::forget_fallback(const std::string& topic, const std::string& peer) {
  {
    std::lock_guard<std::mutex> st{state_};
    auto it = routes_.find(peer);
    if (it != routes_.end())
      it->second->forget_topic(topic);
  }
  store(req::forget_topic_routes{topic});
}

void client_core::on_route_lost(const std::string& addr) {
  std::lock_guard<std::mutex> st{state_};
  for (auto it = cache_.begin(); it != cache_.end();) {
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), addr), v.end());
    it = v.empty() ? cache_.erase(it) : std::next(it);
  }
}

// -- internal channel ----------------------------------------------------------------------

void client_core::emit_internal_event(const internal_event& ev, bool alo) {
  auto peers = store(req::topic_directory{internal_channel_topic});
  if (!peers) {
    LINER_LOG_ERROR("emit " + ev.event + ": " + peers.error().message);
    return;
  }
  int32_t key;
  std::optional<std::string> own;
  {
    std::lock_guard<std::mutex> st{state_};
    key = internal_key_;
    own = published_;
  }
  auto json = ev.to_json();
  for (auto& p : *peers) {
    if (p.client_name == unique_name_ || (own && p.addr == *own))
      continue;
    std::string route_err;
    if (auto route = ensure_route(p.addr, internal_channel_topic, p.client_name, route_err))
      enqueue(route, key, json.data(), json.size(), alo);
  }
}

// A peer that comes back at another address (port 0, containers) gets what
// was queued for it: its route (one per listener name, so one numbering)
// simply dials the new address, keeping its queue and counter. A peer back
// at the same address is reconnected at once.
void client_core::follow_listener(const std::string& name, const std::string& addr) {
  std::string old_addr;
  std::shared_ptr<route_state> route;
  {
    std::lock_guard<std::mutex> st{state_};
    auto it = routes_.find(name);
    if (it == routes_.end())
      return;
    route = it->second;
    old_addr = route->addr();
    if (!addr.empty() && old_addr != addr) {
      route->set_addr(addr);
      route_names_[addr] = name;
    }
  }
  if (addr.empty() || old_addr == addr) {
    caf::anon_send(route->actor(), msg::connect_atom::value);
    return;
  }
  on_route_lost(old_addr);
  caf::anon_send(route->actor(), msg::connect_atom::value, addr);
  store(req::remember_route{addr, route->first_topic, name});
}

void client_core::on_internal_event(const internal_event& ev) {
  if (!ev.topic.empty() && ev.topic != internal_channel_topic) {
    refresh_cache(ev.topic);
    if (ev.event == "unsubscribed")
      forget_fallback(ev.topic, ev.client);
  }
  if (ev.event == "client_connected" || ev.event == "client_disconnected")
    refresh_cache(internal_channel_topic);
  if (ev.event == "client_connected" && !ev.client.empty())
    follow_listener(ev.client, ev.addr);
  bool related;
  {
    std::lock_guard<std::mutex> st{state_};
    related = related_.count(ev.topic) != 0;
  }
  if (!related)
    return;
  if (ev.event == "client_connected")
    emit_status(status_kind::peer_connected, ev.topic, ev.client, ev.event);
  else if (ev.event == "client_disconnected")
    emit_status(status_kind::peer_disconnected, ev.topic, ev.client, ev.event);
  else if (ev.event == "subscribed")
    emit_status(status_kind::peer_subscribed, ev.topic, ev.client, ev.event);
  else if (ev.event == "unsubscribed")
    emit_status(status_kind::peer_unsubscribed, ev.topic, ev.client, ev.event);
}

} // namespace liner
