// client_core: the implementation behind liner::Client, the client actor and
// the C API. It keeps the client's routing state (address cache, round-robin
// counters, routes, subscriptions, related topics) under a short-held mutex,
// talks to the store through the store actor, and owns the client's actors.
//
// Locks: lifecycle_ serializes run/stop/subscribe/unsubscribe/clear/advertise;
// state_ guards the routing state and is never held across a store call, an
// actor request or user code. send_to takes only state_, so callbacks may
// send while another thread runs stop().
#pragma once

#include <caf/actor.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <liner/client.hpp>

#include "actors/actor_runtime.hpp"
#include "actors/delivery_actor.hpp"
#include "actors/route.hpp"
#include "actors/store_actor.hpp"
#include "stores/store.hpp"

namespace liner {

class client_core : public delivery_hooks {
public:
  /// Opens nothing itself: `store` is already open. Returns nullptr with
  /// `error` set on failure.
  static std::shared_ptr<client_core> create(std::string unique_name, std::string topic,
                                             std::string localhost, std::unique_ptr<Store> store);
  ~client_core() override;

  /// Stops and exits every actor of the client. Called by ~Client.
  void shutdown();

  bool run(receive_callback on_receive);
  bool stop();
  bool is_running() const { return running_.load(); }

  bool send_to(const std::string& topic, const void* data, std::size_t size, bool alo);
  bool send_all(const std::string& topic, const void* data, std::size_t size, bool alo);

  bool subscribe(const std::string& topic);
  bool unsubscribe(const std::string& topic);
  bool refresh_address_topic(const std::string& topic);
  std::optional<std::vector<address_entry>> list_addresses(const std::string& topic);

  int64_t pending_count();
  std::optional<std::vector<pending_entry>> pending_by_peer();
  bool clear_stored_messages();
  bool clear_addresses_of_topic();

  bool set_advertise_addr(const std::string& addr);
  std::optional<std::string> advertise_addr() const;
  std::optional<std::string> bound_listen_addr() const;
  std::optional<std::string> published_addr() const;

  void set_status_callback(status_callback cb);
  error_code last_error() const;
  std::string last_error_message() const;
  const std::string& unique_name() const { return unique_name_; }
  const std::string& topic() const { return topic_; }

  /// Sets the last error; failures are also logged (liner does).
  void set_error(error_code code, const std::string& message);

  // delivery_hooks
  std::optional<std::string> topic_of_key(int32_t key) override;
  void on_internal_event(const internal_event& ev) override;
  void emit_status(status_kind kind, const std::string& topic, const std::string& peer,
                   const std::string& message) override;
  void delivery_thread_started(std::thread::id id) override { delivery_thread_ = id; }
  /// The client actor runs on its own thread; shutdown does not wait for it
  /// from that thread (a status callback destroying its client).
  void client_actor_thread(std::thread::id id) { client_actor_thread_ = id; }

  /// A route reported a lost stream or failed connect: liner prunes the
  /// address from the cached lists so the next send resolves again.
  void on_route_lost(const std::string& addr);

  caf::actor_system& system() { return runtime_->system(); }
  const caf::actor& client_actor() const { return client_actor_; }

private:
  client_core(std::string unique_name, std::string topic, std::string localhost,
              std::unique_ptr<Store> store);

  struct resolved {
    error_code code = error_code::ok;
    std::string message;
    std::vector<std::string> addrs;
  };

  // -- helpers (client_core.cpp) ---------------------------------------------
  template <class R>
  store_answer<R> store(R request) {
    return call_store(system(), store_actor_, std::move(request));
  }
  bool ok();
  bool fail(error_code code, const std::string& message);

  // -- routing (client_routing.cpp) --------------------------------------------
  resolved resolve(const std::string& topic, bool alo);
  resolved routes_for(const std::string& topic, bool alo, bool all,
                      std::vector<std::shared_ptr<route_state>>& routes);
  std::shared_ptr<route_state> ensure_route(const std::string& addr, const std::string& topic,
                                            const std::string& listener_name, std::string& error);
  std::optional<int32_t> topic_key(const std::string& topic, std::string& error);
  enqueue_result enqueue(const std::shared_ptr<route_state>& route, int32_t key,
                         const void* data, std::size_t size, bool alo);
  bool check_send(const char* what, const std::string& topic, std::size_t size);
  void refresh_cache(const std::string& topic);
  void forget_cached(const std::string& topic);
  void forget_fallback(const std::string& topic, const std::string& peer);
  void emit_internal_event(const internal_event& ev, bool alo);
  void restore_routes();
  void follow_listener(const std::string& name, const std::string& addr);
  std::vector<std::shared_ptr<route_state>> take_routes();
  void stop_actors();


  // -- identity ---------------------------------------------------------------
  const std::string unique_name_;
  const std::string topic_;
  const std::string localhost_;
  std::shared_ptr<actor_runtime> runtime_;
  store_actor store_actor_;
  caf::actor client_actor_;

  // -- lifecycle (lifecycle_; the actor handles under state_) ---------------------
  mutable std::mutex lifecycle_;
  std::atomic<bool> running_{false};
  caf::actor listener_;
  caf::actor delivery_;
  std::atomic<std::thread::id> delivery_thread_{};
  std::atomic<std::thread::id> client_actor_thread_{};
  bool shut_down_ = false;

  // -- routing state (state_) -------------------------------------------------
  mutable std::mutex state_;
  std::optional<std::string> advertise_;
  std::optional<std::string> bound_;
  std::optional<std::string> published_;
  std::map<std::string, std::vector<std::string>> cache_;
  std::map<std::string, std::size_t> round_robin_;
  std::set<std::string> related_;
  std::map<std::string, int32_t> topic_keys_;
  std::map<std::string, int32_t> subscriptions_; // topic -> key
  std::unordered_map<int32_t, std::string> listening_; // key -> topic
  // One route per listener (unique name): one connection key, one numbering,
  // wherever that listener is reached. route_names_ maps every address a
  // listener was seen at to its name, so old addresses lead to the route too.
  std::map<std::string, std::shared_ptr<route_state>> routes_; // by listener name
  std::map<std::string, std::string> route_names_;             // address -> name
  int32_t internal_key_ = 0;

  // -- errors and status --------------------------------------------------------
  mutable std::mutex error_mutex_;
  error_code last_error_ = error_code::ok;
  std::string last_message_;
  std::mutex status_mutex_;
  std::shared_ptr<status_callback> status_cb_;
};

} // namespace liner
