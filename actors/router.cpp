#include "actors/router.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <atomic>

#include "actors/actor_runtime.hpp"
#include "actors/messages.hpp"
#include "actors/route_actor.hpp"
#include "runtime/log.hpp"

namespace liner {

namespace {

uint64_t next_router_serial() {
  static std::atomic<uint64_t> last{0};
  return ++last;
}

// What target_for answered last on this thread, and the versions of the
// tables it read it from.
struct last_target {
  uint64_t router = 0;
  uint64_t addresses = 0;
  uint64_t routes = 0;
  uint64_t keys = 0;
  std::string topic;
  send_target target;
};

last_target& last_target_of_thread() {
  thread_local last_target last;
  return last;
}

} // namespace

router::router(caf::actor_system& sys, store_actor store, topic_table& topics,
               std::shared_ptr<directory> addresses, std::string as_sender)
  : serial_(next_router_serial()), as_sender_(std::move(as_sender)), sys_(sys),
    store_(std::move(store)), topics_(topics),
    directory_(addresses ? std::move(addresses) : std::make_shared<directory>()) {
}

void router::open(std::string own_name, std::shared_ptr<const auth::secret> secret,
                  std::shared_ptr<const tls::context> tls, bool durable) {
  std::lock_guard<std::mutex> guard{mutex_};
  open_ = true;
  durable_ = durable;
  own_name_ = std::move(own_name);
  secret_ = std::move(secret);
  tls_ = std::move(tls);
}

std::vector<route_ptr> router::close() {
  std::lock_guard<std::mutex> guard{mutex_};
  open_ = false;
  std::vector<route_ptr> out;
  for (auto& [name, route] : routes_) {
    // A send racing with this close may still count on the route: the
    // totals miss it (the client is stopping anyway).
    auto& s = route->stats();
    retired_.sent_messages += s.sent_messages.load(std::memory_order_relaxed);
    retired_.sent_bytes += s.sent_bytes.load(std::memory_order_relaxed);
    retired_.refused_busy += s.refused_busy.load(std::memory_order_relaxed);
    out.push_back(route);
  }
  routes_.clear();
  names_.clear();
  publish_locked();
  return out;
}

void router::publish_locked() {
  route_index index;
  for (auto& [addr, name] : names_) {
    auto it = routes_.find(name);
    if (it != routes_.end())
      index[addr] = {it->second, it->second->topics()};
  }
  index_.update([&](auto& current) { current = std::move(index); });
}

const route_ptr* router::carrying_in(const route_index& index, const std::string& addr,
                                     const std::string& topic) {
  auto it = index.find(addr);
  if (it == index.end() || it->second.topics.count(topic) == 0)
    return nullptr;
  return &it->second.route;
}

route_ptr router::carrying(const std::string& addr, const std::string& topic) const {
  auto index = index_.get();
  auto route = carrying_in(*index, addr, topic);
  return route ? *route : nullptr;
}

result<route_ptr> router::route_for(const std::string& topic, bool alo) {
  if (auto cached = directory_->pick(topic, true)) {
    topics_.relate(topic);
    if (auto route = carrying(cached.chosen(), topic)) {
      if (route->unreachable() && cached.addrs->size() > 1)
        if (auto online = next_online(topic, cached.addrs->size()))
          return online;
      return route; // every send once the topic is known
    }
    if (auto route = ensure(cached.chosen(), topic))
      return *route;
    directory_->erase(topic); // an address the store no longer knows
  }
  auto routes = routes_for(topic, alo, false);
  if (!routes)
    return routes.error();
  return routes->front();
}

// The round robin's next address whose listener is not unreachable (a
// lost stream, a silent host, failed connects: route_state::unreachable),
// when the topic has others: new sends go where they can be delivered now,
// while the unreachable route keeps the at-least-once frames it holds for
// its own listener. Null when every other one is unreachable too (the
// caller's pick stands).
route_ptr router::next_online(const std::string& topic, std::size_t tries) {
  for (std::size_t i = 1; i < tries; ++i) {
    auto cached = directory_->pick(topic, true);
    if (!cached)
      return nullptr;
    auto route = carrying(cached.chosen(), topic);
    if (route && !route->unreachable())
      return route;
  }
  return nullptr;
}

result<send_target> router::target_for(const std::string& topic, bool alo) {
  // The versions first: a change made while resolving leaves the entry stale.
  auto addresses = directory_->version();
  auto routes = index_.version();
  auto keys = topics_.keys_version();
  auto& last = last_target_of_thread();
  if (last.router == serial_ && last.addresses == addresses && last.routes == routes
      && last.keys == keys && last.topic == topic)
    return last.target;
  auto route = route_for(topic, alo);
  if (!route)
    return route.error();
  if (!*route)
    return fail(error_code::store, "ensure_send_route failed");
  auto key = topic_key(topic);
  if (!key)
    return key.error();
  send_target target{std::move(*route), *key};
  // Only a topic with one address: with more, each send advances the round robin.
  auto cached = directory_->pick(topic, false);
  if (cached && cached.addrs->size() == 1 && carrying(cached.chosen(), topic) == target.route)
    last = {serial_, addresses, routes, keys, topic, target};
  return target;
}

// A cached address the store no longer knows (its listener moved while we
// were stopped) makes no route: resolve again from the store, once.
result<std::vector<route_ptr>> router::routes_for(const std::string& topic, bool alo, bool all) {
  std::vector<route_ptr> routes;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto cached = directory_->pick(topic, !all);
    std::vector<std::string> found; // when the store is away: not cached
    if (!cached) {
      auto resolved = resolve(topic, alo);
      if (!resolved)
        return resolved.error();
      cached = directory_->pick(topic, !all);
      if (!cached)
        found = std::move(*resolved);
    }
    const auto& addrs = cached ? *cached.addrs : found;
    topics_.relate(topic);
    std::vector<std::string> chosen;
    if (all)
      chosen = addrs;
    else
      chosen.push_back(addrs[cached ? cached.index : 0]);
    routes.clear();
    bool missing = false;
    for (auto& addr : chosen) {
      auto route = ensure(addr, topic);
      routes.push_back(route ? *route : nullptr);
      missing |= !route;
    }
    if (!missing)
      break;
    directory_->erase(topic);
  }
  return routes;
}

// Reads the addresses of `topic` from the store into the directory.
result<std::vector<std::string>> router::resolve(const std::string& topic, bool alo) {
  auto found = call_store(sys_, store_, req::resolve_topic{topic, alo, as_sender_});
  if (!found) {
    // The store is away: the routes that carried the topic in this run
    // still lead to its listeners (nothing is cached: the store decides
    // again once it answers).
    auto known = addresses_in_routes(topic);
    if (known.empty())
      return found.error();
    return known;
  }
  auto addrs = std::move(found->addrs);
  if (addrs.empty() && alo) {
    // The peer left the catalog: keep queueing for the routes that carried
    // this topic, in this run or (remembered in the store) before.
    addrs = addresses_in_routes(topic);
    for (auto& row : found->remembered)
      if (std::find(addrs.begin(), addrs.end(), row.addr) == addrs.end())
        addrs.push_back(row.addr);
    std::sort(addrs.begin(), addrs.end());
  }
  if (addrs.empty()) {
    directory_->erase(topic);
    return fail(error_code::no_addr, "not found addr for topic " + topic);
  }
  directory_->set(topic, addrs);
  return addrs;
}

std::vector<std::string> router::addresses_in_routes(const std::string& topic) {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<std::string> out;
  for (auto& [name, route] : routes_)
    if (route->has_topic(topic))
      out.push_back(route->addr());
  std::sort(out.begin(), out.end());
  return out;
}

result<int32_t> router::topic_key(const std::string& topic) {
  if (auto key = topics_.key_of(topic))
    return *key;
  auto key = call_store(sys_, store_, req::topic_key{topic});
  if (key)
    topics_.remember_key(topic, *key);
  return key;
}

result<route_ptr> router::ensure(const std::string& addr, const std::string& topic,
                                 const std::string& listener_name) {
  // A route that carries a topic for the first time remembers it in the
  // store (the at-least-once fallback finds it there after a restart).
  bool first_time = false;
  auto known = [&](const std::string& name) -> route_ptr { // under mutex_
    auto it = routes_.find(name);
    if (it == routes_.end())
      return nullptr;
    auto& named = names_[addr];
    bool renamed = named != name;
    named = name;
    first_time = it->second->add_topic(topic);
    if (renamed || first_time)
      publish_locked();
    return it->second;
  };
  route_ptr route;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto n = names_.find(addr);
    if (n != names_.end())
      route = known(n->second);
    if (!route && !listener_name.empty())
      route = known(listener_name);
  }
  if (route) {
    if (first_time)
      call_store(sys_, store_, req::remember_route{addr, topic, route->listener_name, as_sender_});
    return route;
  }
  auto info = call_store(sys_, store_, req::open_route{addr, topic, listener_name, as_sender_});
  if (!info)
    return info.error();
  std::lock_guard<std::mutex> guard{mutex_};
  if (!open_)
    return fail(error_code::not_running, "client not is running");
  if (auto existing = known(info->listener_name))
    return existing;
  auto& name = info->listener_name;
  route = std::make_shared<route_state>(addr, info->connection_key, name, topic, info->counter,
                                        info->queued, durable_);
  thread_logger_scope scope; // spawns
  route->set_actor(spawn_route_actor(sys_, {route, store_, client_, own_name_, secret_, tls_}));
  routes_[name] = route;
  names_[addr] = name;
  publish_locked();
  return route;
}

result<void> router::restore() {
  auto todo = call_store(sys_, store_, req::routes_to_restore{as_sender_});
  if (!todo)
    return todo.error();
  for (auto& r : *todo)
    ensure(r.addr, r.topic, r.listener_name);
  return {};
}

result<std::vector<std::string>> router::refresh(const std::string& topic) {
  auto found = call_store(sys_, store_, req::resolve_topic{topic, false, as_sender_});
  if (!found)
    return found.error();
  directory_->set(topic, found->addrs);
  return std::move(found->addrs);
}

void router::forget_topic(const std::string& topic, const std::string& listener_name) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [name, route] : routes_)
      if (listener_name.empty() || name == listener_name)
        route->forget_topic(topic);
    publish_locked();
  }
  call_store(sys_, store_, req::forget_topic_routes{topic, as_sender_});
}

// A peer that comes back at another address (port 0, containers) gets what
// was queued for it: its route simply dials the new address, keeping its
// queue and counter. A peer back at the same address is reconnected at once.
void router::follow(const std::string& name, const std::string& addr) {
  std::string old_addr;
  route_ptr route;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto it = routes_.find(name);
    if (it == routes_.end())
      return;
    route = it->second;
    old_addr = route->addr();
  }
  if (addr.empty() || old_addr == addr) {
    caf::anon_send(route->actor(), msg::connect_atom::value);
    return;
  }
  // Anyone reaching our port can claim a peer moved: believe only what the
  // catalog says (the peer registers its address before it announces it).
  auto listed = call_store(sys_, store_, req::listener_addresses{name});
  if (!listed || std::find(listed->begin(), listed->end(), addr) == listed->end()) {
    log::warn(own_name_, "ignored client_connected of '" + name + "' at " + addr + ": "
                    + (listed ? "the catalog does not list that address for it"
                              : listed.error().message));
    caf::anon_send(route->actor(), msg::connect_atom::value);
    return;
  }
  {
    std::lock_guard<std::mutex> guard{mutex_};
    route->set_addr(addr);
    names_[addr] = name;
    publish_locked();
  }
  directory_->prune(old_addr);
  caf::anon_send(route->actor(), msg::connect_atom::value, addr);
  call_store(sys_, store_, req::remember_route{addr, route->first_topic, name, as_sender_});
}

} // namespace liner
