// The Redis backend of the Store interface, with liner 1.4.1's key layout
// (docs/store-layout.md, "Redis"), so Rust liner peers and liner-caf peers
// share one Redis:
//
//   lnr_unique_key                          counter of topic and connection keys
//   lnr_topic:{topic}:addr                  hash  addr -> client name (the catalog)
//   lnr_topic:{topic}:key                   topic key
//   lnr_sender:{name}:{topic}:listener      hash  addr -> "{listener topic}\x1f{listener name}"
//   lnr_connection:{name}:{topic}:{listener}:key   connection key
//   lnr_connection:{ck}:sender              the sender's topic
//   lnr_connection:{ck}:mess_number         the listener's ack
//   lnr_connection:{ck}:messages            list of stored frames, oldest first
//
// ({name} parts escaped as liner does: `\` -> `\\`, `:` -> `\c`.) liner-caf's
// own additions live under `lnrcaf:` and are never needed by Rust liner. A
// stored frame's id is its message number (frames of one connection key are
// queued in number order).
#pragma once

#include <memory>
#include <string>

#include "stores/store.hpp"

namespace liner {

/// Connects to the Redis server of `url` (redis://[[user]:password@]host[:port][/db],
/// unix:///path[?db=N&pass=P]) by `timeout`. Throws store_error: a bad URL,
/// an unreachable server, a refused password or database.
std::unique_ptr<Store> open_redis_store(const std::string& url, std::string unique_name,
                                        std::chrono::milliseconds timeout = defaults::store_timeout);

} // namespace liner
