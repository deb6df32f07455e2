// The catalog feed on Redis: liner-caf stores PUBLISH each catalog change
// they make on the channel `lnrcaf:catalog:<db>` (pub/sub is server-wide: the
// database number keeps meshes of one server apart), and a feed SUBSCRIBEs
// to it on a connection of its own. Changes made by others (Rust liner
// peers, redis-cli) arrive too when the server sends keyspace notifications
// for hashes (`notify-keyspace-events` with K and h, e.g. `Kh`): the feed
// also listens to `__keyspace@<db>__:lnr_topic:*:addr`. Without them (the
// feed asks CONFIG GET notify-keyspace-events) it says it is incomplete, and
// the clients also refresh their cached topics every second.
#pragma once

#include <string>

#include "stores/catalog_feed.hpp"

namespace liner {

/// The channel a store PUBLISHes its catalog changes on.
std::string redis_catalog_channel(int db);

/// One change as published: {"op", "topic", "addr", "client"} (the same
/// fields as PostgreSQL's notifications).
std::string redis_catalog_message(const std::string& op, const std::string& topic,
                                  const std::string& addr, const std::string& client);

/// Opens feeds on the server and database of `url`; `name` names their
/// connections (CLIENT SETNAME).
catalog_feed_opener redis_catalog_feed_opener(std::string url, std::string name);

} // namespace liner
