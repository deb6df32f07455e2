// The router: the sending side of a client. It resolves a topic to
// addresses (the directory, else the store), picks one (round robin) or all,
// and finds or opens the route to each listener. One route per listener
// (unique name): one connection key, one numbering, wherever that listener
// is reached; every address the listener was seen at leads to its route.
#pragma once

#include <caf/actor_system.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/client_actor_impl.hpp"
#include "actors/directory.hpp"
#include "actors/route.hpp"
#include "actors/store_actor.hpp"
#include "actors/topic_table.hpp"
#include "runtime/auth.hpp"
#include "runtime/tls.hpp"
#include "runtime/result.hpp"
#include "runtime/snapshot.hpp"

namespace liner {

using route_ptr = std::shared_ptr<route_state>;

/// Where a send_to goes: the route and the topic's key.
struct send_target {
  route_ptr route;
  int32_t key = 0;
};

class router {
public:
  /// `addresses`: the address cache, shared with another router of the
  /// client (null: a cache of its own). `as_sender`: the sender topic its
  /// routes run as (empty: the client's own; see req::sender_scope).
  router(caf::actor_system& sys, store_actor store, topic_table& topics,
         std::shared_ptr<directory> addresses = nullptr, std::string as_sender = {});

  /// The client actor, which receives the routes' status events.
  void set_client_actor(internal_client_actor client) { client_ = std::move(client); }

  /// From run() until stop(): routes may be opened. With a secret, each
  /// route authenticates as `own_name` before it sends. `durable`: routes
  /// save every at-least-once frame at once (route_state).
  void open(std::string own_name, std::shared_ptr<const auth::secret> secret,
            std::shared_ptr<const tls::context> tls, bool durable);
  /// Closes the table and hands every route over (to be stopped).
  std::vector<route_ptr> close();

  /// The route and key a send_to goes to: one address of the topic, round
  /// robin (route_for), and topic_key. A thread sending to the same topic
  /// (served by one address) again gets the last answer without a lookup,
  /// as long as the directory, the routes and the topic keys are unchanged.
  result<send_target> target_for(const std::string& topic, bool alo);
  /// The routes a send goes to: one address of the topic (round robin) or
  /// all of them. Addresses without a route are null entries.
  result<std::vector<route_ptr>> routes_for(const std::string& topic, bool alo, bool all);
  /// send_all's fast path: runs `f(route)` for the route to each cached
  /// address of `topic` and returns true, reading only snapshots (no lock,
  /// no allocation); false, running nothing, unless every address has a
  /// route that carries the topic already (routes_for makes them).
  template <class F>
  bool each_carrying(const std::string& topic, F&& f) {
    auto cached = directory_->pick(topic, false);
    if (!cached)
      return false;
    auto index = index_.get();
    for (auto& addr : *cached.addrs)
      if (!carrying_in(*index, addr, topic))
        return false;
    topics_.relate(topic);
    for (auto& addr : *cached.addrs)
      f(*carrying_in(*index, addr, topic));
    return true;
  }
  /// The key of `topic` if it is cached (no store call).
  std::optional<int32_t> known_key(const std::string& topic) const { return topics_.key_of(topic); }
  /// The key of `topic` (cached, else from the store).
  result<int32_t> topic_key(const std::string& topic);
  /// The route to the listener at `addr` (its name looked up unless given),
  /// opened if needed.
  result<route_ptr> ensure(const std::string& addr, const std::string& topic,
                           const std::string& listener_name = "");
  /// Routes of an earlier run that still hold stored frames come back.
  result<void> restore();

  /// Reads the addresses of `topic` from the store into the directory.
  result<std::vector<std::string>> refresh(const std::string& topic);
  /// Nobody serves `topic` any more: the at-least-once fallback forgets it
  /// (for every route, or only the one to `listener_name`), in the store too.
  void forget_topic(const std::string& topic, const std::string& listener_name = "");
  /// The listener `name` announced itself at `addr`: its route dials there.
  void follow(const std::string& name, const std::string& addr);
  /// A route lost `addr`: the next send resolves again.
  void prune(const std::string& addr) { directory_->prune(addr); }

  /// Counters of the routes closed by earlier close() calls (a client's
  /// totals outlive its routes, which go at stop).
  struct retired_totals {
    uint64_t sent_messages = 0;
    uint64_t sent_bytes = 0;
    uint64_t refused_busy = 0;
  };
  /// Runs `f(route)` for every route of the table, under the table's mutex
  /// (`f` must be quick and must not call the router), and returns the
  /// totals of the routes closed before, read under the same lock.
  template <class F>
  retired_totals each_route(F&& f) const {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& entry : routes_)
      f(entry.second);
    return retired_;
  }

  directory& addresses() { return *directory_; }
  const std::shared_ptr<directory>& shared_addresses() const { return directory_; }

private:
  /// The route a send_to goes to: one address of the topic, round robin.
  /// Once the topic is known, no lock and no allocation.
  result<route_ptr> route_for(const std::string& topic, bool alo);
  route_ptr next_online(const std::string& topic, std::size_t tries);
  result<std::vector<std::string>> resolve(const std::string& topic, bool alo);
  /// The route at `addr` if it already carries `topic` (read without a lock).
  route_ptr carrying(const std::string& addr, const std::string& topic) const;
  /// Publishes the route index from routes_ and names_ (under mutex_).
  void publish_locked();
  /// The addresses of the routes that carried `topic` in this run.
  std::vector<std::string> addresses_in_routes(const std::string& topic);

  const uint64_t serial_; // never reused, unlike addresses: names it in thread caches
  const std::string as_sender_;
  caf::actor_system& sys_;
  store_actor store_;
  internal_client_actor client_;
  topic_table& topics_;
  std::shared_ptr<directory> directory_;

  mutable std::mutex mutex_; // the route table
  bool open_ = false;
  std::string own_name_;
  std::shared_ptr<const auth::secret> secret_;
  std::shared_ptr<const tls::context> tls_;
  bool durable_ = false;
  std::map<std::string, route_ptr> routes_;      // by listener name
  std::map<std::string, std::string> names_;     // address -> listener name
  retired_totals retired_;                       // see each_route

  // What sends read: address -> its route and the topics the route carries,
  // republished whenever routes_, names_ or a route's topics change.
  struct indexed_route {
    route_ptr route;
    std::set<std::string> topics;
  };
  using route_index = std::unordered_map<std::string, indexed_route>;
  /// The route at `addr` in `index` if it carries `topic`, else null.
  static const route_ptr* carrying_in(const route_index& index, const std::string& addr,
                                      const std::string& topic);
  snapshot<route_index> index_;
};

} // namespace liner
