// The Prometheus text exposition format (0.0.4) of clients' stats: the
// objects client_core::stats() returns, rendered as one family per counter
// (# HELP, # TYPE, one sample per client or route). Served by the metrics
// endpoint (metrics_hub.cpp) at GET /metrics.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace liner {

/// Families liner_* (per client, label `client`) and liner_route_* (per
/// route, labels `client`, `listener`, and `relay="true"` on the routes
/// relaying liner.publish), in a fixed order.
std::string prometheus_text(const std::vector<nlohmann::ordered_json>& clients);

/// A label value with backslash, double quote and newline escaped.
std::string prometheus_label_value(const std::string& value);

} // namespace liner
