// client_core::stats: the client's counters as JSON, the shape documented in
// docs/cpp-api.md ("Metrics"); other tools (liner stats, the Prometheus
// endpoint) read these field names.
#include <nlohmann/json.hpp>

#include "actors/client_core.hpp"

namespace liner {

namespace {

using json = nlohmann::ordered_json; // the fields in the documented order

uint64_t relaxed(const std::atomic<uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}

// Sums of a client's routes (both routers), plus the routes themselves.
struct route_sums {
  uint64_t sent_messages = 0;
  uint64_t sent_bytes = 0;
  uint64_t refused_busy = 0;
  uint64_t alo_unacked = 0;
  json routes = json::array();

  void add_retired(const router::retired_totals& t) {
    sent_messages += t.sent_messages;
    sent_bytes += t.sent_bytes;
    refused_busy += t.refused_busy;
  }

  void add(const route_ptr& route, bool relay) {
    const auto& s = route->stats();
    auto load = route->load();
    json topics = json::array();
    for (auto& t : route->topics())
      if (t != internal_channel_topic) // every route carries it; it says nothing
        topics.push_back(t);
    json r = {
      {"listener", route->listener_name},
      {"addr", route->addr()},
      {"topics", std::move(topics)},
      {"connected", s.connected.load(std::memory_order_relaxed)},
      {"sent_messages", relaxed(s.sent_messages)},
      {"sent_bytes", relaxed(s.sent_bytes)},
      {"queued", load.queued},
      {"alo_unacked", load.alo_unacked},
      {"acked", load.acked},
      {"refused_busy", relaxed(s.refused_busy)},
      {"connects", relaxed(s.connects)},
      {"reconnects", relaxed(s.reconnects)},
    };
    if (relay)
      r["relay"] = true;
    routes.push_back(std::move(r));
    sent_messages += relaxed(s.sent_messages);
    sent_bytes += relaxed(s.sent_bytes);
    refused_busy += relaxed(s.refused_busy);
    alo_unacked += load.alo_unacked;
  }
};

} // namespace

nlohmann::ordered_json client_core::stats() const {
  route_sums sums;
  sums.add_retired(routes_.each_route([&](const route_ptr& r) { sums.add(r, false); }));
  sums.add_retired(sql_routes_.each_route([&](const route_ptr& r) { sums.add(r, true); }));
  const auto& store = *store_stats_;
  auto requests = relaxed(store.requests);
  return {
    {"client", unique_name_},
    {"topic", topic_},
    {"running", running_.load()},
    {"sent", {{"messages", sums.sent_messages}, {"bytes", sums.sent_bytes}}},
    {"delivered", {{"messages", relaxed(delivered_->messages)}, {"bytes", relaxed(delivered_->bytes)}}},
    {"refused_busy", sums.refused_busy},
    {"alo_unacked", sums.alo_unacked},
    {"store",
     {{"requests", requests},
      {"failures", relaxed(store.failures)},
      {"avg_us", requests ? relaxed(store.total_us) / requests : 0},
      {"max_us", relaxed(store.max_us)}}},
    {"routes", std::move(sums.routes)},
  };
}

std::string client_core::stats_json() const {
  return stats().dump();
}

} // namespace liner
