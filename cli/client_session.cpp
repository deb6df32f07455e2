#include "cli/client_session.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "cli/failure.hpp"
#include "cli/store_view.hpp"

namespace liner::cli {

client_session::client_session(const context& cx, const std::string& name, const std::string& topic,
                               const std::string& bind, const std::string& advertise,
                               receive_callback on_receive) {
  if (cx.store.empty())
    throw failure(usage, "no store: give --store PATH|URL or set LINER_STORE");
  Client::set_store_timeout_ms(cx.timeout.count());
  std::string error;
  client_ = is_redis_location(cx.store)      ? Client::create_redis(name, topic, bind, cx.store, &error)
            : is_postgres_location(cx.store) ? Client::create_postgres(name, topic, bind, cx.store, &error)
                                             : Client::create_sqlite(name, topic, bind, cx.store, "", &error);
  if (!client_)
    throw failure(no_store, "cannot create the client '" + name + "': " + error);
  if (!advertise.empty() && !client_->set_advertise_addr(advertise))
    throw failure(usage, "--advertise " + advertise + ": " + client_->last_error_message());
  if (!client_->run(std::move(on_receive)))
    throw failure(problem, "cannot run the client '" + name + "': " + client_->last_error_message());
}

client_session::~client_session() {
  stop();
}

bool client_session::stop() {
  return !client_ || !client_->is_running() || client_->stop();
}

namespace {

// Frames of the client's routes still queued (not yet written), plus those
// waiting for an ack when `unacked` (from the client's counters).
long long in_memory(const Client& c, bool unacked) {
  long long n = 0;
  auto stats = nlohmann::json::parse(c.stats_json());
  for (auto& route : stats.value("routes", nlohmann::json::array()))
    n += route.value("queued", 0LL) + (unacked ? route.value("alo_unacked", 0LL) : 0);
  return n;
}

} // namespace

client_session::written client_session::best_effort_state(const std::string& topic) const {
  // Written: every route carrying `topic` is connected with nothing queued.
  // Dropped: such a route's connect failed, which drops best-effort frames
  // (liner's rule). Routes of other topics (the internal channel's) do not count.
  auto stats = nlohmann::json::parse(client_->stats_json());
  bool all_written = true;
  for (auto& route : stats.value("routes", nlohmann::json::array())) {
    auto topics = route.value("topics", nlohmann::json::array());
    if (std::find(topics.begin(), topics.end(), topic) == topics.end())
      continue;
    bool connected = route.value("connected", false);
    if (!connected && route.value("connects", 0LL) == 0 && route.value("reconnects", 0LL) > 0)
      return written::dropped;
    // Connected once and nothing queued: taken to be written (the listener may
    // have closed the connection since).
    all_written &= (connected || route.value("connects", 0LL) > 0) && route.value("queued", 0LL) == 0;
  }
  return all_written ? written::yes : written::not_yet;
}

bool client_session::all_acked() const {
  // Nothing in memory, and nothing saved in the store for a listener that
  // could not be reached.
  return in_memory(*client_, true) == 0 && client_->pending_count() == 0;
}

} // namespace liner::cli
