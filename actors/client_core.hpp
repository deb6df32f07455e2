// client_core: one client, as the facade (liner::Client), the client actor
// and the C API see it. It owns the client's parts and runs the calls:
//
//   topics_   topic_table      keys, subscriptions, what we listen to
//   routes_   router           directory (topic -> addresses) and routes
//   control_  control_channel  the internal channel
//   store_    store actor      the only user of the database connection
//   client_   client actor     typed interface; its thread runs status callbacks
//   listener_, delivery_       while running (client_lifecycle.cpp)
//
// Every call returns a result (value or liner error code + message); the
// facade keeps the last error. Threads: any thread may call; run, stop,
// subscribe, unsubscribe, clear_* and set_advertise_addr are serialized by
// `lifecycle_`; send_to and send_all take no client-wide lock.
#pragma once

#include <caf/actor.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <liner/client.hpp>

#include <nlohmann/json_fwd.hpp>

#include "actors/acceptor.hpp"
#include "actors/catalog_watch.hpp"
#include "actors/actor_runtime.hpp"
#include "actors/callback_scope.hpp"
#include "actors/client_actor_impl.hpp"
#include "actors/client_stats.hpp"
#include "actors/control_channel.hpp"
#include "actors/router.hpp"
#include "actors/store_actor.hpp"
#include "actors/topic_table.hpp"
#include "runtime/auth.hpp"
#include "runtime/log.hpp"
#include "runtime/tls.hpp"
#include "runtime/result.hpp"

namespace liner {

class client_core : public std::enable_shared_from_this<client_core> {
public:
  /// Takes ownership of an open store.
  static std::shared_ptr<client_core> create(std::string unique_name, std::string topic,
                                             std::string localhost, std::unique_ptr<Store> store);
  ~client_core();
  client_core(const client_core&) = delete;
  client_core& operator=(const client_core&) = delete;

  /// Stops the client and ends its actors. From inside one of the client's
  /// own callbacks the last steps (joining the callback's thread) happen on
  /// a helper thread once the callback has returned; `self` keeps the core
  /// alive until then.
  static void shutdown(std::shared_ptr<client_core> self);

  // -- lifecycle (client_lifecycle.cpp) ------------------------------------------------
  result<void> run(receive_callback on_receive);
  result<void> stop();
  bool is_running() const { return running_.load(); }

  // -- messaging -------------------------------------------------------------------------
  result<void> send_to(const std::string& topic, const void* data, std::size_t size, bool alo);
  result<void> send_all(const std::string& topic, const void* data, std::size_t size, bool alo);

  // -- topics ----------------------------------------------------------------------------
  result<void> subscribe(const std::string& topic);
  result<void> unsubscribe(const std::string& topic);
  result<void> refresh_address_topic(const std::string& topic);
  result<std::vector<address_entry>> list_addresses(const std::string& topic);

  // -- offline queues ----------------------------------------------------------------------
  result<int64_t> pending_count();
  result<std::vector<pending_entry>> pending_by_peer();
  result<void> clear_stored_messages();
  result<void> clear_addresses_of_topic();

  // -- addresses ---------------------------------------------------------------------------
  result<void> set_advertise_addr(const std::string& addr);
  std::optional<std::string> advertise_addr() const;
  std::optional<std::string> bound_listen_addr() const;
  std::optional<std::string> published_addr() const;

  // -- durability --------------------------------------------------------------------------
  /// Durable mode: an at-least-once send returns once the message is in the
  /// store (docs/delivery.md). Only while not running.
  result<void> set_durable(bool on);
  bool durable() const { return durable_; }

  // -- authentication ----------------------------------------------------------------------
  /// The shared secret peers must prove (empty: none); only while not running.
  result<void> set_auth_secret(const std::string& secret);
  bool has_auth_secret() const;
  /// TLS for every connection (nullopt: plain TCP); the files are loaded
  /// and checked now. Only while not running.
  result<void> set_tls(const std::optional<tls::settings>& settings);

  // -- status --------------------------------------------------------------------------------
  void set_status_callback(status_callback cb);
  /// Runs the status callback (on the client actor's thread).
  void emit_status(status_kind kind, const std::string& topic, const std::string& peer,
                   const std::string& message);
  /// Hands a status event to the client actor (from any other thread).
  void post_status(status_kind kind, const std::string& topic, const std::string& peer,
                   const std::string& message);
  /// An event read on the internal channel (on the client actor's thread).
  void on_peer_event(const internal_event& ev) { control_.on_event(ev); }
  /// Catalog changes the database reported (on the client actor's thread).
  void on_catalog_changes(const std::vector<catalog_change>& changes, bool everything) {
    control_.on_catalog_changes(changes, everything);
  }
  /// A route lost `addr`: the next send resolves its topic again.
  void on_route_lost(const std::string& addr) { routes_.prune(addr); }

  // -- metrics (client_stats.cpp) ------------------------------------------------------------
  /// The client's counters as one JSON object (docs/cpp-api.md, "Metrics").
  /// Any thread, running or not; reads atomics and takes only the route
  /// table's and each route's mutex briefly (no store call).
  nlohmann::ordered_json stats() const;
  std::string stats_json() const;

  const std::string& unique_name() const { return unique_name_; }
  const std::string& topic() const { return topic_; }
  client_id id() const { return id_; }
  caf::actor_system& system() { return runtime_->system(); }
  const internal_client_actor& client_actor() const { return client_actor_; }

private:
  client_core(std::string unique_name, std::string topic, std::string localhost,
              std::unique_ptr<Store> store);

  template <class R>
  store_answer<R> store(R request) {
    return call_store(system(), store_, std::move(request));
  }

  result<void> check_send(const char* what, const std::string& topic, std::size_t size) const;
  /// `number` (if given) receives the message's number on its route.
  enqueue_result enqueue(const route_ptr& route, int32_t key, const void* data, std::size_t size,
                         bool alo, uint64_t* number = nullptr);
  /// Durable mode: waits until the message `number` of `route` is saved.
  result<void> wait_saved(const route_ptr& route, uint64_t number);

  // client_relay.cpp
  /// Relays rows of the outbox (on the catalog watch's thread, while it
  /// holds them locked); returns the ids of the rows now safely on their
  /// way: in the store, or acked, for every listener they go to.
  std::vector<int64_t> relay_published(const std::vector<outbox_row>& rows);
  /// The routes `row` goes to and its topic's key (no routes: not now; the
  /// row stays in the outbox).
  std::vector<route_ptr> relay_targets(const outbox_row& row, int32_t& key);
  void announce(const internal_event& ev, bool alo);

  // client_lifecycle.cpp
  result<std::string> publish_address(int fd);
  void stop_actors();
  void finish_shutdown();

  // -- identity and parts ------------------------------------------------------------------
  const client_id id_ = next_client_id();
  const std::string unique_name_;
  const std::string topic_;
  const std::string localhost_;
  std::shared_ptr<actor_runtime> runtime_;
  // Counters (client_stats.hpp), shared with the store and delivery actors.
  std::shared_ptr<store_stats> store_stats_ = std::make_shared<store_stats>();
  std::shared_ptr<delivery_stats> delivered_ = std::make_shared<delivery_stats>();
  store_actor store_;
  internal_client_actor client_actor_;
  std::shared_ptr<topic_table> topics_ = std::make_shared<topic_table>();
  router routes_;
  router sql_routes_; // relays messages published from SQL (client_relay.cpp)
  std::atomic<uint64_t> relay_turn_{0}; // round robin of relayed send_to
  control_channel control_;

  // -- lifecycle (under lifecycle_) ------------------------------------------------------------
  mutable std::mutex lifecycle_;
  std::atomic<bool> running_{false};
  bool shut_down_ = false;
  std::unique_ptr<acceptor> acceptor_;
  catalog_feed_opener catalog_feed_; // empty: the store has no feed (SQLite)
  std::unique_ptr<catalog_watch> catalog_watch_; // while running
  caf::actor listener_;
  caf::actor delivery_;
  std::shared_ptr<std::atomic<bool>> delivery_stopping_;
  std::vector<caf::actor> draining_; // delivery actors stopped from their own callback

  // -- addresses (under addresses_) -------------------------------------------------------------
  mutable std::mutex addresses_;
  std::optional<std::string> advertise_;
  std::optional<std::string> bound_;
  std::optional<std::string> published_;
  std::shared_ptr<const auth::secret> auth_ = auth::secret::from_environment(); // set before run
  std::shared_ptr<const tls::context> tls_; // set before run
  std::atomic<bool> durable_{false};        // set before run

  // -- status callback (under status_mutex_; called without it) ----------------------------------
  std::mutex status_mutex_;
  std::shared_ptr<status_callback> status_cb_;
  // Failures reported as status events are logged at warn too (once per
  // cause, then a summary), callback or not.
  log::failure_log failures_;
};

} // namespace liner
