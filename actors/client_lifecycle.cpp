// client_core: run() and stop().
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <unistd.h>

#include "actors/acceptor.hpp"
#include "actors/client_core.hpp"
#include "actors/delivery_actor.hpp"
#include "actors/listener_actor.hpp"
#include "actors/messages.hpp"
#include "actors/metrics_hub.hpp"
#include "runtime/defaults.hpp"
#include "runtime/log.hpp"
#include "runtime/net_address.hpp"

namespace liner {

// The address peers reach us at: the advertised one (its port 0 meaning the
// bound port), else the bound one.
result<std::string> client_core::publish_address(int fd) {
  auto local = net::local_endpoint(fd);
  if (!local)
    return fail(error_code::bind, "getsockname failed on " + localhost_);
  std::lock_guard<std::mutex> guard{addresses_};
  bound_ = local->to_string();
  if (!advertise_)
    return *bound_;
  auto ep = net::resolve(*advertise_);
  if (!ep)
    return fail(error_code::invalid_arg, "invalid advertise address: " + *advertise_);
  if (ep->port == 0)
    ep->port = local->port;
  return ep->to_string();
}

result<void> client_core::run(receive_callback on_receive) {
  std::lock_guard<std::mutex> guard{lifecycle_};
  if (running_)
    return {};
  if (!on_receive)
    return fail(error_code::invalid_arg, "receive callback is empty");
  auto bind_at = net::resolve(localhost_);
  if (!bind_at)
    return fail(error_code::bind, "invalid bind address: " + localhost_);
  std::string err;
  int fd = net::listen_on(*bind_at, err);
  if (fd < 0)
    return fail(error_code::bind, err);
  auto published = publish_address(fd);
  if (!published) {
    close(fd);
    return published.error();
  }

  // Register our topic and learn the keys we listen on. Subscriptions made
  // before run were registered under the bind string: they move to the
  // published address (liner left those rows behind).
  auto keys = store(req::join_catalog{*published, topics_->subscriptions()});
  if (!keys) {
    store(req::leave_catalog{{topic_}, localhost_});
    close(fd);
    return keys.error();
  }
  topic_table::key_map listening{{keys->own, topic_}};
  for (auto& [t, k] : keys->subscriptions) {
    topics_->add_subscription(t, k);
    listening[k] = t;
  }
  topics_->remember_key(topic_, keys->own);
  topics_->remember_key(internal_channel_topic, keys->internal);
  topics_->listen_to(listening);
  {
    std::lock_guard<std::mutex> a{addresses_};
    published_ = *published;
  }

  thread_logger_scope scope; // spawns
  auto batches = std::make_shared<buffer_pool>(defaults::spare_read_buffers,
                                               defaults::spare_read_bytes);
  auto credit = std::make_shared<listener_credit>();
  auto open = std::make_shared<std::atomic<std::size_t>>(0);
  delivery_stopping_ = std::make_shared<std::atomic<bool>>(false);
  delivery_ = spawn_delivery_actor(system(), {store_, std::move(on_receive), topics_, client_actor_,
                                              id_, unique_name_, keys->internal, batches, credit,
                                              delivery_stopping_, delivered_});
  listener_ = spawn_listener_actor(system(),
                                   {delivery_, batches, credit, open, auth_, unique_name_, tls_});
  try {
    acceptor_ = std::make_unique<acceptor>(fd, listener_.address(), open, unique_name_);
  } catch (const std::exception& e) {
    close(fd);
    store(req::leave_catalog{{topic_}, localhost_});
    stop_actors();
    return fail(error_code::startup, e.what());
  }
  running_ = true;
  routes_.open(unique_name_, auth_, tls_, durable_);
  sql_routes_.open(unique_name_, auth_, tls_, false);
  for (auto* r : {&routes_, &sql_routes_})
    if (auto restored = r->restore(); !restored)
      post_status(status_kind::sender_store_error, "", "",
                  "restoring routes: " + restored.error().message);

  // Join the internal channel, then tell the mesh.
  if (!store(req::register_topics{{internal_channel_topic}})) {
    running_ = false;
    store(req::leave_catalog{{topic_}, localhost_});
    {
      std::lock_guard<std::mutex> a{addresses_};
      published_.reset();
    }
    stop_actors();
    return fail(error_code::store, "failed to subscribe to internal channel");
  }
  topics_->listen(keys->internal, internal_channel_topic);
  if (catalog_feed_) {
    try {
      std::weak_ptr<client_core> weak = shared_from_this();
      catalog_watch_ = std::make_unique<catalog_watch>(
        catalog_feed_, client_actor_, unique_name_, [weak](const std::vector<outbox_row>& rows) {
          auto core = weak.lock();
          return core ? core->relay_published(rows) : std::vector<int64_t>{};
        });
    } catch (const std::exception& e) { // no pipe: peers' announcements still reach us
      log::warn(unique_name_, std::string("run: no catalog feed: ") + e.what());
    }
  }
  announce({"client_connected", unique_name_, topic_, *published}, false);
  metrics_hub::client_running(); // serves LINER_METRICS_ADDR from the first run on
  log::info(unique_name_, "running: topic '" + topic_ + "', bound to "
                            + bound_listen_addr().value_or(localhost_) + ", published as " + *published);
  return {};
}

result<void> client_core::stop() {
  std::unique_lock<std::mutex> guard{lifecycle_};
  if (!running_)
    return {};
  catalog_watch_.reset(); // the catalog changes we are about to make are ours
  // Leave the catalog (subscriptions too: liner does not restore them on
  // the next run), then say goodbye while the routes still run.
  auto topics = topics_->subscriptions();
  topics.push_back(topic_);
  topics.push_back(internal_channel_topic);
  if (auto left = store(req::leave_catalog{topics, localhost_}); !left)
    log::warn(unique_name_, "stop: " + left.error().message);
  announce({"client_disconnected", unique_name_, topic_, ""}, false);
  running_ = false;
  // What we listen to stays: frames already read are still delivered (and
  // only then acked) while the actors drain; run() rebuilds it.
  topics_->clear_subscriptions();
  {
    std::lock_guard<std::mutex> a{addresses_};
    published_.reset();
  }
  stop_actors();
  failures_.flush(unique_name_); // the repeats not summed up yet
  log::info(unique_name_, "stopped");
  return {};
}

// Routes write what they hold, then save every unacked at-least-once frame;
// stop waits until each has closed its stream and exited (a runtime shut
// down under a live broker would leak it). Then the listener, then the
// delivery actor, which writes its last acks.
void client_core::stop_actors() {
  user_scoped_actor self{system()};
  auto ask_stop = [&](const caf::actor& a) {
    self->request(a, defaults::actor_stop_timeout, msg::stop_atom::value)
      .receive([](bool) {}, [](caf::error&) {});
  };
  auto routes = routes_.close();
  for (auto& r : sql_routes_.close())
    routes.push_back(std::move(r));
  for (auto& r : routes) {
    auto actor = r->release_actor();
    ask_stop(actor);
    self->wait_for(actor);
  }
  acceptor_.reset(); // no new connections from here on
  caf::actor listener, delivery;
  std::swap(listener, listener_);
  std::swap(delivery, delivery_);
  if (listener)
    ask_stop(listener);
  if (!delivery)
    return;
  if (callback_scope::inside(id_)) {
    // stop() from inside a callback: the delivery actor cannot answer while
    // it runs us; it finishes on its own (running no callback any more), and
    // shutdown waits for it.
    delivery_stopping_->store(true);
    caf::anon_send(delivery, msg::stop_atom::value);
    draining_.push_back(std::move(delivery));
    return;
  }
  ask_stop(delivery);
  self->wait_for(delivery);
}

} // namespace liner
