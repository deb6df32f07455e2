// The process's live clients, for the metrics endpoint: when
// LINER_METRICS_ADDR is set (read when a client runs while the endpoint was
// not tried yet), one thread (runtime/http_endpoint.hpp) serves on that
// loopback address
//
//   GET /metrics   every live client's counters, Prometheus text format 0.0.4
//   GET /stats     a JSON array of every live client's stats_json object
//
// A client is live from its creation until its destruction. The endpoint
// stops when the last live client is destroyed (and at process exit); the
// next run after that reads LINER_METRICS_ADDR again. A bad, non-loopback or
// busy address is logged at error and nothing is served.
#pragma once

namespace liner {

class client_core;

namespace metrics_hub {

/// A client was created.
void add(client_core* client);
/// A client is being destroyed (it stays valid until this returns): the
/// endpoint reads clients only under the hub's lock. The last one stops the
/// endpoint.
void remove(client_core* client);
/// A client runs: starts the endpoint if LINER_METRICS_ADDR asks for one
/// and it was not tried since the hub last had no client.
void client_running();

} // namespace metrics_hub
} // namespace liner
