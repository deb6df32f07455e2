// client_core: creation, lifecycle (run/stop), topics, queues, addresses,
// errors and status. Sending and routing live in client_routing.cpp.
#include "actors/client_core.hpp"

#include <caf/scoped_actor.hpp>
#include <unistd.h>

#include "actors/client_actor_impl.hpp"
#include "actors/listener_actor.hpp"
#include "actors/messages.hpp"
#include "actors/store_actor.hpp"
#include "runtime/log.hpp"
#include "runtime/net_address.hpp"

namespace liner {

namespace {
constexpr auto actor_stop_timeout = std::chrono::seconds(60);
}

client_core::client_core(std::string unique_name, std::string topic, std::string localhost,
                         std::unique_ptr<Store> store)
  : unique_name_(std::move(unique_name)), topic_(std::move(topic)),
    localhost_(std::move(localhost)), runtime_(actor_runtime::acquire()) {
  store_actor_ = spawn_store_actor(system(), std::move(store));
}

std::shared_ptr<client_core> client_core::create(std::string unique_name, std::string topic,
                                                 std::string localhost,
                                                 std::unique_ptr<Store> store) {
  store->set_source_topic(topic);
  store->set_source_localhost(localhost);
  thread_logger_scope scope; // starts the system and spawns
  std::shared_ptr<client_core> core{
    new client_core(std::move(unique_name), std::move(topic), std::move(localhost), std::move(store))};
  core->client_actor_ = spawn_client_actor(core->system(), core.get());
  return core;
}

client_core::~client_core() {
  shutdown();
}

void client_core::shutdown() {
  std::unique_lock<std::mutex> guard{lifecycle_};
  if (shut_down_)
    return;
  guard.unlock();
  stop();
  guard.lock();
  shut_down_ = true;
  caf::actor client_actor;
  store_actor store_actor;
  std::swap(client_actor, client_actor_);
  std::swap(store_actor, store_actor_);
  guard.unlock();
  // The client actor calls into this object: wait until it is gone.
  caf::anon_send_exit(client_actor, caf::exit_reason::user_shutdown);
  if (std::this_thread::get_id() != client_actor_thread_.load()) {
    user_scoped_actor self{system()};
    self->wait_for(client_actor);
  }
  caf::anon_send_exit(store_actor, caf::exit_reason::user_shutdown);
}

// -- errors ------------------------------------------------------------------------

void client_core::set_error(error_code code, const std::string& message) {
  {
    std::lock_guard<std::mutex> guard{error_mutex_};
    last_error_ = code;
    last_message_ = message;
  }
  if (code != error_code::ok)
    LINER_LOG_ERROR(message);
}

bool client_core::ok() {
  set_error(error_code::ok, "");
  return true;
}

bool client_core::fail(error_code code, const std::string& message) {
  set_error(code, message);
  return false;
}

error_code client_core::last_error() const {
  std::lock_guard<std::mutex> guard{error_mutex_};
  return last_error_;
}

std::string client_core::last_error_message() const {
  std::lock_guard<std::mutex> guard{error_mutex_};
  return last_message_;
}


// -- status ------------------------------------------------------------------------

void client_core::set_status_callback(status_callback cb) {
  std::lock_guard<std::mutex> guard{status_mutex_};
  status_cb_ = cb ? std::make_shared<status_callback>(std::move(cb)) : nullptr;
}

void client_core::emit_status(status_kind kind, const std::string& topic,
                              const std::string& peer, const std::string& message) {
  std::shared_ptr<status_callback> cb;
  {
    std::lock_guard<std::mutex> guard{status_mutex_};
    cb = status_cb_;
  }
  if (!cb)
    return;
  try {
    (*cb)(kind, topic, peer, message); // never under one of our locks
  } catch (...) {
    LINER_LOG_ERROR("status callback threw");
  }
}

// -- run -----------------------------------------------------------------------------

bool client_core::run(receive_callback on_receive) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return ok();
  if (!on_receive)
    return fail(error_code::invalid_arg, "receive callback is empty");
  auto bind_at = net::resolve(localhost_);
  if (!bind_at)
    return fail(error_code::bind, "invalid bind address: " + localhost_);
  std::string err;
  int fd = net::listen_on(*bind_at, err);
  if (fd < 0)
    return fail(error_code::bind, err);
  auto local = net::local_endpoint(fd);
  if (!local) {
    close(fd);
    return fail(error_code::bind, "getsockname failed on " + localhost_);
  }
  std::string published = local->to_string();
  std::optional<std::string> advertise;
  {
    std::lock_guard<std::mutex> st{state_};
    bound_ = published;
    advertise = advertise_;
  }
  if (advertise) {
    auto ep = net::resolve(*advertise);
    if (!ep) {
      close(fd);
      return fail(error_code::invalid_arg, "invalid advertise address: " + *advertise);
    }
    if (ep->port == 0)
      ep->port = local->port;
    published = ep->to_string();
  }

  // Register our topic and learn the keys we listen on. Subscriptions made
  // before run were registered under the bind string: move them to the
  // published address (liner left those rows behind).
  std::vector<std::string> subs;
  {
    std::lock_guard<std::mutex> st{state_};
    for (auto& s : subscriptions_)
      subs.push_back(s.first);
  }
  auto keys = store(req::join_catalog{published, subs});
  if (!keys) {
    store(req::leave_catalog{{topic_}, localhost_});
    close(fd);
    return fail(keys.error().code, keys.error().message);
  }
  int32_t own_key = keys->own, internal_key = keys->internal;
  auto& sub_keys = keys->subscriptions;
  {
    std::lock_guard<std::mutex> st{state_};
    published_ = published;
    internal_key_ = internal_key;
    listening_.clear();
    listening_[own_key] = topic_;
    for (auto& [t, k] : sub_keys) {
      subscriptions_[t] = k;
      listening_[k] = t;
    }
    topic_keys_[topic_] = own_key;
    topic_keys_[internal_channel_topic] = internal_key;
  }

  thread_logger_scope scope; // spawns
  auto batches = std::make_shared<buffer_pool>();
  auto delivery =
    spawn_delivery_actor(system(), {store_actor_, std::move(on_receive), this, internal_key, batches});
  auto listener = spawn_listener_actor(system(), fd, delivery, batches);
  {
    std::lock_guard<std::mutex> st{state_};
    delivery_ = delivery;
    listener_ = listener;
  }
  running_ = true;
  restore_routes();

  // Join the internal channel, then tell the mesh.
  auto joined = store(req::register_topics{{internal_channel_topic}});
  if (!joined) {
    running_ = false;
    store(req::leave_catalog{{topic_}, localhost_});
    {
      std::lock_guard<std::mutex> st{state_};
      published_.reset();
    }
    stop_actors();
    return fail(error_code::store, "failed to subscribe to internal channel");
  }
  {
    std::lock_guard<std::mutex> st{state_};
    listening_[internal_key] = internal_channel_topic;
  }
  emit_internal_event({"client_connected", unique_name_, topic_, published}, false);
  return ok();
}

// -- stop ----------------------------------------------------------------------------

bool client_core::stop() {
  std::unique_lock<std::mutex> guard{lifecycle_};
  if (!running_)
    return ok();
  // Leave the catalog (subscriptions too: liner does not restore them on
  // the next run), then say goodbye while the routes still run.
  std::vector<std::string> subs;
  {
    std::lock_guard<std::mutex> st{state_};
    for (auto& s : subscriptions_)
      subs.push_back(s.first);
  }
  subs.push_back(topic_);
  subs.push_back(internal_channel_topic);
  auto left = store(req::leave_catalog{subs, localhost_});
  if (!left)
    LINER_LOG_ERROR("stop: " + left.error().message);
  emit_internal_event({"client_disconnected", unique_name_, topic_, ""}, false);
  running_ = false;
  {
    std::lock_guard<std::mutex> st{state_};
    // listening_ stays: frames already read are still delivered (and only
    // then acked) while the actors drain; run() rebuilds it.
    subscriptions_.clear();
    published_.reset();
  }
  // Callbacks may call back into the client while we wait for the actors:
  // wait without the lifecycle lock, as liner does.
  guard.unlock();
  stop_actors();
  return ok();
}

void client_core::stop_actors() {
  user_scoped_actor self{system()};
  auto routes = take_routes();
  // Routes write what they hold, then persist every unacked at-least-once frame.
  // Then wait until each has closed its stream and exited (at most its
  // grace period): a runtime shut down under a live broker would leak it.
  for (auto& r : routes) {
    auto actor = r->release_actor();
    self->request(actor, actor_stop_timeout, msg::stop_atom::value)
      .receive([](bool) {}, [](caf::error&) {});
    self->wait_for(actor);
  }
  caf::actor listener, delivery;
  {
    std::lock_guard<std::mutex> st{state_};
    std::swap(listener, listener_);
    std::swap(delivery, delivery_);
  }
  if (listener)
    self->request(listener, actor_stop_timeout, msg::stop_atom::value)
      .receive([](bool) {}, [](caf::error&) {});
  if (delivery) {
    if (std::this_thread::get_id() == delivery_thread_.load()) {
      // stop() from inside a receive callback: the delivery actor cannot
      // answer while it runs us; let it finish on its own.
      caf::anon_send(delivery, msg::stop_atom::value);
    } else {
      self->request(delivery, actor_stop_timeout, msg::stop_atom::value)
        .receive([](bool) {}, [](caf::error&) {});
    }
  }
}

// -- topics ----------------------------------------------------------------------------

bool client_core::subscribe(const std::string& topic) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (topic == topic_)
    return fail(error_code::self_topic, "you can't subscribe on your own topic");
  if (topic == internal_channel_topic)
    return fail(error_code::internal_topic, "you can't subscribe on internal channel topic");
  auto subscribed = store(req::subscribe{topic});
  if (!subscribed)
    LINER_LOG_ERROR("subscribe " + topic + ": " + subscribed.error().message);
  if (!subscribed)
    return fail(error_code::store, "subscribe failed"); // liner's text; the cause is logged

  int32_t key = *subscribed;
  {
    std::lock_guard<std::mutex> st{state_};
    subscriptions_[topic] = key;
    topic_keys_[topic] = key;
    if (running_)
      listening_[key] = topic;
    related_.insert(topic);
  }
  if (running_)
    emit_internal_event({"subscribed", unique_name_, topic, ""}, true);
  return ok();
}

bool client_core::unsubscribe(const std::string& topic) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (topic == topic_)
    return fail(error_code::self_topic, "you can't unsubscribe on your own topic");
  if (topic == internal_channel_topic)
    return fail(error_code::internal_topic, "you can't unsubscribe on internal channel topic");
  auto done = store(req::unregister_topic{topic});
  if (!done) {
    LINER_LOG_ERROR("unsubscribe " + topic + ": " + done.error().message);
    return fail(error_code::store, "unsubscribe failed"); // liner's text
  }
  {
    std::lock_guard<std::mutex> st{state_};
    auto it = subscriptions_.find(topic);
    if (it != subscriptions_.end()) {
      listening_.erase(it->second);
      subscriptions_.erase(it);
    }
  }
  if (running_)
    emit_internal_event({"unsubscribed", unique_name_, topic, ""}, true);
  return ok();
}

bool client_core::refresh_address_topic(const std::string& topic) {
  auto found = store(req::resolve_topic{topic, false});
  if (!found) {
    forget_cached(topic);
    return fail(error_code::store, found.error().message);
  }
  if (found->addrs.empty()) {
    // Nobody serves the topic now: the at-least-once fallback forgets it,
    // in memory and in the store.
    {
      std::lock_guard<std::mutex> st{state_};
      cache_.erase(topic);
      for (auto& [addr, route] : routes_)
        route->forget_topic(topic);
    }
    store(req::forget_topic_routes{topic});
    return fail(error_code::no_addr, "not found addr for topic " + topic);
  }
  {
    std::lock_guard<std::mutex> st{state_};
    cache_[topic] = std::move(found->addrs);
    related_.insert(topic);
  }
  return ok();
}

std::optional<std::vector<address_entry>> client_core::list_addresses(const std::string& topic) {
  auto rows = store(req::topic_directory{topic});
  if (!rows) {
    fail(error_code::store, rows.error().message);
    return std::nullopt;
  }
  std::vector<address_entry> out;
  std::vector<std::string> addrs;
  for (auto& r : *rows) {
    addrs.push_back(r.addr);
    out.push_back({r.addr, r.client_name});
  }
  {
    std::lock_guard<std::mutex> st{state_};
    if (addrs.empty())
      cache_.erase(topic);
    else
      cache_[topic] = std::move(addrs);
  }
  ok();
  return out;
}

// -- offline queues ---------------------------------------------------------------------

int64_t client_core::pending_count() {
  auto n = store(req::pending_count{});
  if (!n) {
    fail(error_code::store, n.error().message);
    return -1;
  }
  ok();
  return *n;
}

std::optional<std::vector<pending_entry>> client_core::pending_by_peer() {
  auto rows = store(req::pending_by_peer{});
  if (!rows) {
    fail(error_code::store, rows.error().message);
    return std::nullopt;
  }
  std::vector<pending_entry> out;
  for (auto& r : *rows)
    out.push_back({r.addr, r.listener_topic, r.listener_name, r.count});
  ok();
  return out;
}

bool client_core::clear_stored_messages() {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::clear_while_running,
                "you can't clear_stored_messages because client already is running");
  auto done = store(req::clear_stored_messages{});
  return done ? ok() : fail(error_code::store, done.error().message);
}

bool client_core::clear_addresses_of_topic() {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::clear_while_running,
                "you can't clear_addresses_of_topic because client already is running");
  auto done = store(req::clear_topic_addresses{});
  return done ? ok() : fail(error_code::store, done.error().message);
}

// -- addresses ---------------------------------------------------------------------------

bool client_core::set_advertise_addr(const std::string& addr) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::already_running,
                "you can't set_advertise_addr because client already is running");
  if (!addr.empty() && !net::resolve(addr))
    return fail(error_code::invalid_arg, "invalid advertise address: " + addr);
  {
    std::lock_guard<std::mutex> st{state_};
    if (addr.empty())
      advertise_.reset();
    else
      advertise_ = addr;
  }
  return ok();
}

std::optional<std::string> client_core::advertise_addr() const {
  std::lock_guard<std::mutex> st{state_};
  return advertise_;
}

std::optional<std::string> client_core::bound_listen_addr() const {
  std::lock_guard<std::mutex> st{state_};
  return bound_;
}

std::optional<std::string> client_core::published_addr() const {
  std::lock_guard<std::mutex> st{state_};
  return published_;
}

std::optional<std::string> client_core::topic_of_key(int32_t key) {
  std::lock_guard<std::mutex> st{state_};
  auto it = listening_.find(key);
  if (it == listening_.end())
    return std::nullopt;
  return it->second;
}

} // namespace liner
