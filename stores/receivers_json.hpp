// SQLite's `receivers_json` (spec 6.5): the catalog rows a new client seeds its
// store with, given as a JSON array of {"topic", "addr", "client_name"}.
#pragma once

#include <string>
#include <vector>

#include "stores/store.hpp"

namespace liner {

/// Parses a receivers_json array. Throws std::runtime_error, its what()
/// starting with "receivers_json parse error: ", when `json` is not JSON, not
/// an array, or has an entry without string topic, addr and client_name.
std::vector<receiver_seed> parse_receivers_json(const std::string& json);

} // namespace liner
