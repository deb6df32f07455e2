#include "actors/metrics_hub.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/client_core.hpp"
#include "actors/prometheus_text.hpp"
#include "runtime/http_endpoint.hpp"
#include "runtime/log.hpp"

namespace liner::metrics_hub {

namespace {

struct hub {
  std::mutex mutex;
  std::vector<client_core*> clients; // live; each stays valid while it is listed
  bool tried = false;                // LINER_METRICS_ADDR was read since the hub was empty
  std::unique_ptr<http::endpoint> endpoint;
};

// Never destroyed: a client may be destroyed during static destruction.
hub& the_hub() {
  static hub* h = new hub;
  return *h;
}

// Takes the endpoint out (to be destroyed, which joins its thread, without
// the lock: that thread may be waiting for it).
std::unique_ptr<http::endpoint> take_endpoint(hub& h) {
  std::lock_guard<std::mutex> guard{h.mutex};
  return std::move(h.endpoint);
}

// Stops the endpoint at exit, before the statics its thread uses (the log)
// go: clients the C API never deleted keep the hub busy forever.
struct stop_at_exit {
  ~stop_at_exit() { take_endpoint(the_hub()); }
};

std::vector<nlohmann::ordered_json> gather() {
  auto& h = the_hub();
  std::lock_guard<std::mutex> guard{h.mutex};
  std::vector<nlohmann::ordered_json> out;
  out.reserve(h.clients.size());
  for (auto* c : h.clients)
    out.push_back(c->stats());
  return out;
}

http::response handle(const std::string& path) {
  if (path == "/metrics")
    return {200, "text/plain; version=0.0.4; charset=utf-8", prometheus_text(gather())};
  if (path == "/stats") {
    auto clients = gather();
    return {200, "application/json", nlohmann::ordered_json(clients).dump() + "\n"};
  }
  return {404, "text/plain; charset=utf-8", "not found (GET /metrics or /stats)\n"};
}

} // namespace

void add(client_core* client) {
  auto& h = the_hub();
  std::lock_guard<std::mutex> guard{h.mutex};
  h.clients.push_back(client);
}

void remove(client_core* client) {
  auto& h = the_hub();
  std::unique_ptr<http::endpoint> last;
  {
    std::lock_guard<std::mutex> guard{h.mutex};
    h.clients.erase(std::remove(h.clients.begin(), h.clients.end(), client), h.clients.end());
    if (!h.clients.empty())
      return;
    h.tried = false;
    last = std::move(h.endpoint);
  }
  last.reset(); // joins the endpoint's thread, outside the lock
}

void client_running() {
  auto& h = the_hub();
  std::lock_guard<std::mutex> guard{h.mutex};
  if (h.tried)
    return;
  h.tried = true;
  const char* addr = std::getenv("LINER_METRICS_ADDR");
  if (!addr || !*addr)
    return;
  std::string error;
  h.endpoint = http::endpoint::start(addr, handle, error);
  if (!h.endpoint) {
    log::error(log::library, "LINER_METRICS_ADDR: " + error + "; no metrics are served");
    return;
  }
  log::info(log::library, "metrics served at http://" + h.endpoint->address() + "/metrics and /stats");
  static stop_at_exit stopper; // after the log's statics: destroyed before them
}

} // namespace liner::metrics_hub
