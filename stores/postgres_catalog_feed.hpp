// The catalog feed on PostgreSQL: triggers on topic_addr that NOTIFY, and a
// connection that LISTENs for them.
#pragma once

#include <string>

#include "stores/catalog_feed.hpp"

namespace liner {

/// Creates (or replaces) the trigger function and the triggers on
/// topic_addr in the schema the tables are in; run with the tables' schema,
/// inside the schema lock. Each change is sent to the channel
/// `liner:<schema>` (cut to 63 bytes, PostgreSQL's limit) as JSON:
/// {"schema", "op", "topic", "addr", "client", "old_topic"}.
extern const char* const postgres_notify_schema;

/// Opens feeds for the database and schema that `url` leads to (the same
/// rules as the store's connection; an empty URL means the PG* variables).
catalog_feed_opener postgres_catalog_feed_opener(std::string url, std::string application_name);

} // namespace liner
