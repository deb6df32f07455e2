// client_core: creation and shutdown, sending, topics, offline queues,
// addresses and status. run() and stop() are in client_lifecycle.cpp.
#include "actors/client_core.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <cstdint>
#include <thread>

#include "actors/messages.hpp"
#include "actors/metrics_hub.hpp"
#include "runtime/knobs.hpp"
#include "runtime/log.hpp"
#include "runtime/net_address.hpp"

namespace liner {

client_core::client_core(std::string unique_name, std::string topic, std::string localhost,
                         std::unique_ptr<Store> store)
  : unique_name_(std::move(unique_name)), topic_(std::move(topic)),
    localhost_(std::move(localhost)), runtime_(actor_runtime::acquire()),
    store_(spawn_store_actor(system(), std::move(store), store_stats_, unique_name_)), routes_(system(), store_, *topics_),
    sql_routes_(system(), store_, *topics_, routes_.shared_addresses(), sql_publisher_topic),
    control_(system(), store_, routes_, *topics_, unique_name_,
             [this](status_kind kind, const std::string& topic, const std::string& peer,
                    const std::string& message) { emit_status(kind, topic, peer, message); }) {
}

std::shared_ptr<client_core> client_core::create(std::string unique_name, std::string topic,
                                                 std::string localhost,
                                                 std::unique_ptr<Store> store) {
  store->set_source_topic(topic);
  store->set_source_localhost(localhost);
  auto feed = store->catalog_feed_source();
  thread_logger_scope scope; // starts the system and spawns
  std::shared_ptr<client_core> core{
    new client_core(std::move(unique_name), std::move(topic), std::move(localhost), std::move(store))};
  core->client_actor_ = spawn_client_actor(core->system(), core);
  core->routes_.set_client_actor(core->client_actor_);
  core->sql_routes_.set_client_actor(core->client_actor_);
  core->catalog_feed_ = std::move(feed);
  metrics_hub::add(core.get());
  return core;
}

client_core::~client_core() {
  metrics_hub::remove(this); // first: the endpoint reads clients under the hub's lock
  finish_shutdown();
}

void client_core::shutdown(std::shared_ptr<client_core> self) {
  self->stop();
  if (!callback_scope::inside(self->id_)) {
    self->finish_shutdown();
    return;
  }
  // Inside one of our own callbacks: the thread running it cannot wait for
  // itself. A helper thread waits for it (the callback returns first), then
  // lets the core go.
  std::thread([self = std::move(self)]() mutable {
    self->finish_shutdown();
    self.reset();
  }).detach();
}

// Ends the client and store actors and waits for every actor that runs
// callbacks or calls into the core (so none outlives it).
void client_core::finish_shutdown() {
  std::unique_lock<std::mutex> guard{lifecycle_};
  if (shut_down_)
    return;
  shut_down_ = true;
  auto deliveries = std::move(draining_);
  if (delivery_)
    deliveries.push_back(std::move(delivery_));
  guard.unlock();
  user_scoped_actor self{system()};
  for (auto& d : deliveries)
    self->wait_for(d);
  caf::anon_send_exit(client_actor_, caf::exit_reason::user_shutdown);
  self->wait_for(client_actor_);
  caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
  self->wait_for(store_);
}

// -- sending ---------------------------------------------------------------------------

result<void> client_core::check_send(const char* what, const std::string& topic,
                                     std::size_t size) const {
  if (!running_)
    return fail(error_code::not_running,
                std::string("you can't ") + what + " because client not is running");
  if (topic == topic_)
    return fail(error_code::self_topic, "you can't send on your own topic");
  if (topic == internal_channel_topic)
    return fail(error_code::internal_topic,
                std::string("you can't ") + what + " on internal channel topic");
  if (size == 0)
    return fail(error_code::invalid_arg, "payload empty");
  // The frame length is a u32 on the wire, whatever the knob says.
  auto max = std::min<std::size_t>(knobs::max_message_size(), UINT32_MAX);
  if (size > max || max - size < frame_min_body) { // no sum here: size may be near SIZE_MAX
    auto body = size <= SIZE_MAX - frame_min_body ? std::to_string(size + frame_min_body)
                                                  : std::to_string(size) + "+21";
    return fail(error_code::invalid_arg, "payload too large for max_message_size (payload "
                                           + std::to_string(size) + ", framed body " + body
                                           + ", max " + std::to_string(max) + ")");
  }
  return {};
}

enqueue_result client_core::enqueue(const route_ptr& route, int32_t key, const void* data,
                                    std::size_t size, bool alo, uint64_t* number) {
  bool wake = false;
  // A callback thread must not wait: the route it waits on may need it.
  auto full = callback_scope::inside_any() ? when_full::refuse : when_full::wait;
  auto res = route->enqueue(key, static_cast<const char*>(data), size, alo, full, wake, number);
  route->stats().count_send(res, size);
  if (wake)
    caf::anon_send(route->actor(), msg::wake_atom::value);
  if (res == enqueue_result::busy)
    post_status(status_kind::sender_busy, route->first_topic, route->addr(), "send queue full");
  return res;
}

result<void> client_core::wait_saved(const route_ptr& route, uint64_t number) {
  auto timeout = knobs::store_timeout();
  if (route->wait_saved(number, std::chrono::steady_clock::now() + timeout))
    return {};
  return fail(error_code::store,
              "durable send: the message is not in the store after " + std::to_string(timeout.count())
                + " ms; it stays queued in memory and is still sent at least once unless this "
                  "process ends first (sending it again may deliver it twice)");
}

result<void> client_core::send_to(const std::string& topic, const void* data, std::size_t size,
                                  bool alo) {
  if (auto checked = check_send("send_to", topic, size); !checked)
    return checked;
  auto target = routes_.target_for(topic, alo);
  if (!target)
    return target.error();
  uint64_t number = 0;
  switch (enqueue(target->route, target->key, data, size, alo, &number)) {
    case enqueue_result::ok:
      if (alo && durable_)
        return wait_saved(target->route, number);
      return {};
    case enqueue_result::busy:
      return fail(error_code::busy, "send queue full");
    default:
      return fail(error_code::not_running, "you can't send_to because client not is running");
  }
}

result<void> client_core::send_all(const std::string& topic, const void* data, std::size_t size,
                                   bool alo) {
  if (auto checked = check_send("send_all", topic, size); !checked)
    return checked;
  int32_t key = 0;
  bool busy = false, failed = false;
  bool durable = alo && durable_;
  std::vector<std::pair<route_ptr, uint64_t>> to_save; // durable: waited for once all are queued
  auto send = [&](const route_ptr& route) {
    uint64_t number = 0;
    auto res = route ? enqueue(route, key, data, size, alo, &number) : enqueue_result::closed;
    busy |= res == enqueue_result::busy;
    failed |= res == enqueue_result::closed;
    if (durable && res == enqueue_result::ok)
      to_save.emplace_back(route, number);
  };
  // Once the topic and its routes are known: no lock, no allocation.
  auto known = routes_.known_key(topic);
  if (known)
    key = *known;
  if (!known || !routes_.each_carrying(topic, send)) {
    auto routes = routes_.routes_for(topic, alo, true);
    if (!routes)
      return routes.error();
    auto found = routes_.topic_key(topic);
    if (!found)
      return found.error();
    key = *found;
    for (auto& route : *routes)
      send(route);
  }
  result<void> saved;
  for (auto& [route, number] : to_save)
    if (auto r = wait_saved(route, number); !r && saved)
      saved = r;
  if (busy)
    return fail(error_code::busy, "send queue full");
  if (failed)
    return fail(error_code::store, "send_all failed for one or more peers");
  return saved;
}

void client_core::announce(const internal_event& ev, bool alo) {
  std::optional<std::string> own;
  {
    std::lock_guard<std::mutex> guard{addresses_};
    own = published_;
  }
  control_.announce(ev, alo, own);
}

// -- topics ----------------------------------------------------------------------------

result<void> client_core::subscribe(const std::string& topic) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (topic == topic_)
    return fail(error_code::self_topic, "you can't subscribe on your own topic");
  if (topic == internal_channel_topic)
    return fail(error_code::internal_topic, "you can't subscribe on internal channel topic");
  auto key = store(req::subscribe{topic});
  if (!key) {
    log::error(unique_name_, "subscribe " + topic + ": " + key.error().message);
    return fail(error_code::store, "subscribe failed"); // liner's text
  }
  topics_->add_subscription(topic, *key);
  if (running_) {
    topics_->listen(*key, topic);
    announce({"subscribed", unique_name_, topic, ""}, true);
  }
  return {};
}

result<void> client_core::unsubscribe(const std::string& topic) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (topic == topic_)
    return fail(error_code::self_topic, "you can't unsubscribe on your own topic");
  if (topic == internal_channel_topic)
    return fail(error_code::internal_topic, "you can't unsubscribe on internal channel topic");
  auto done = store(req::unregister_topic{topic});
  if (!done) {
    log::error(unique_name_, "unsubscribe " + topic + ": " + done.error().message);
    return fail(error_code::store, "unsubscribe failed"); // liner's text
  }
  if (auto key = topics_->remove_subscription(topic))
    topics_->stop_listening(*key);
  if (running_)
    announce({"unsubscribed", unique_name_, topic, ""}, true);
  return {};
}

result<void> client_core::refresh_address_topic(const std::string& topic) {
  auto addrs = routes_.refresh(topic);
  if (!addrs) {
    routes_.addresses().erase(topic);
    return addrs.error();
  }
  if (addrs->empty()) {
    // Nobody serves the topic now: the at-least-once fallback forgets it.
    routes_.forget_topic(topic);
    return fail(error_code::no_addr, "not found addr for topic " + topic);
  }
  topics_->relate(topic);
  return {};
}

result<std::vector<address_entry>> client_core::list_addresses(const std::string& topic) {
  auto rows = store(req::topic_directory{topic});
  if (!rows)
    return rows.error();
  std::vector<address_entry> out;
  std::vector<std::string> addrs;
  for (auto& r : *rows) {
    addrs.push_back(r.addr);
    out.push_back({r.addr, r.client_name});
  }
  routes_.addresses().set(topic, std::move(addrs));
  return out;
}

// -- offline queues ------------------------------------------------------------------------

result<int64_t> client_core::pending_count() {
  return store(req::pending_count{});
}

result<std::vector<pending_entry>> client_core::pending_by_peer() {
  auto rows = store(req::pending_by_peer{});
  if (!rows)
    return rows.error();
  std::vector<pending_entry> out;
  for (auto& r : *rows)
    out.push_back({r.addr, r.listener_topic, r.listener_name, r.count});
  return out;
}

result<void> client_core::clear_stored_messages() {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::clear_while_running,
                "you can't clear_stored_messages because client already is running");
  return store(req::clear_stored_messages{});
}

result<void> client_core::clear_addresses_of_topic() {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::clear_while_running,
                "you can't clear_addresses_of_topic because client already is running");
  return store(req::clear_topic_addresses{});
}

// -- addresses -------------------------------------------------------------------------------

result<void> client_core::set_advertise_addr(const std::string& addr) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::already_running,
                "you can't set_advertise_addr because client already is running");
  if (!addr.empty() && !net::resolve(addr))
    return fail(error_code::invalid_arg, "invalid advertise address: " + addr);
  std::lock_guard<std::mutex> a{addresses_};
  if (addr.empty())
    advertise_.reset();
  else
    advertise_ = addr;
  return {};
}

result<void> client_core::set_auth_secret(const std::string& secret) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::already_running,
                "you can't set_auth_secret because client already is running");
  std::lock_guard<std::mutex> a{addresses_};
  auth_ = secret.empty() ? nullptr : std::make_shared<const auth::secret>(secret);
  return {};
}

result<void> client_core::set_durable(bool on) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::already_running,
                "you can't set_durable because client already is running");
  durable_ = on;
  return {};
}

result<void> client_core::set_tls(const std::optional<tls::settings>& settings) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return fail(error_code::already_running, "you can't set_tls because client already is running");
  std::shared_ptr<const tls::context> ctx;
  if (settings) {
    auto made = tls::context::create(*settings);
    if (!made)
      return made.error();
    ctx = *made;
  }
  std::lock_guard<std::mutex> a{addresses_};
  tls_ = std::move(ctx);
  return {};
}

bool client_core::has_auth_secret() const {
  std::lock_guard<std::mutex> guard{addresses_};
  return auth_ != nullptr;
}

std::optional<std::string> client_core::advertise_addr() const {
  std::lock_guard<std::mutex> guard{addresses_};
  return advertise_;
}

std::optional<std::string> client_core::bound_listen_addr() const {
  std::lock_guard<std::mutex> guard{addresses_};
  return bound_;
}

std::optional<std::string> client_core::published_addr() const {
  std::lock_guard<std::mutex> guard{addresses_};
  return published_;
}

// -- status ------------------------------------------------------------------------------------

void client_core::set_status_callback(status_callback cb) {
  std::lock_guard<std::mutex> guard{status_mutex_};
  status_cb_ = cb ? std::make_shared<status_callback>(std::move(cb)) : nullptr;
}

namespace {

// The log line for a status event that reports a failure (nullopt for the
// peer events): the cause (what repeats count against) and the text.
std::optional<std::pair<std::string, std::string>>
failure_line(status_kind kind, const std::string& topic, const std::string& peer,
             const std::string& message) {
  // Routes of the internal channel come and go with peers; their loss is
  // no failure of the user's traffic (the status callback still gets it).
  if (topic == internal_channel_topic)
    return std::nullopt;
  auto about = peer.empty() ? "topic '" + topic + "'" : "'" + peer + "'";
  switch (kind) {
    case status_kind::sender_route_lost:
      return std::pair{"route lost: " + about, "route to " + about + " lost: " + message};
    case status_kind::sender_store_error:
      return std::pair{"store (sender)", "store error while sending: " + message};
    case status_kind::sender_send_error:
      return std::pair{"send failed: " + about, "send to " + about + " failed: " + message};
    case status_kind::listener_store_error:
      return std::pair{"store (listener)", "store error while receiving: " + message};
    case status_kind::sender_busy:
      return std::pair{"busy: " + about, "route to " + about + " is full (BUSY): " + message};
    default:
      return std::nullopt;
  }
}

} // namespace

void client_core::emit_status(status_kind kind, const std::string& topic, const std::string& peer,
                              const std::string& message) {
  if (auto line = failure_line(kind, topic, peer, message))
    failures_.failed(unique_name_, line->first, line->second);
  std::shared_ptr<status_callback> cb;
  {
    std::lock_guard<std::mutex> guard{status_mutex_};
    cb = status_cb_;
  }
  if (!cb)
    return;
  callback_scope scope{id_};
  try {
    (*cb)(kind, topic, peer, message); // never under one of our locks
  } catch (...) {
    log::error(unique_name_, "status callback threw");
  }
}

void client_core::post_status(status_kind kind, const std::string& topic, const std::string& peer,
                              const std::string& message) {
  caf::anon_send(client_actor_, msg::status_event{kind, topic, peer, message, ""});
}

} // namespace liner
