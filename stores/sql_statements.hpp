// Every statement the stores run, written once for both backends. The text
// uses `?N` placeholders and SQL both SQLite (>= 3.35) and PostgreSQL accept
// (ON CONFLICT upserts, RETURNING); PostgreSQL sees `$N`.
#pragma once

#include <cstddef>
#include <string>

namespace liner::sql {

enum class statement : std::size_t {
  allocate_id,
  catalog_rows,
  catalog_name,
  regist,
  unregist,
  clear_topic,
  listeners_of_sender,
  save_listener,
  remove_listeners_on_topic,
  clear_listeners,
  listener_name_fallback,
  count_pending,
  conn_key_get,
  conn_key_insert,
  conn_key_evict,
  conn_key_seed,
  topic_key_get,
  topic_key_insert,
  topic_key_seed,
  conn_sender_set,
  conn_sender_get,
  ack_set,
  ack_get,
  ack_default,
  ack_delete,
  queue_read,
  queue_read_page,
  queue_delete_up_to,
  queue_clear,
  queue_last,
  max_conn_key,
  max_conn_sender,
  seq_raise,
  save_listener_keep,
  dead_mark,
  dead_clear,
  listener_addrs,
  route_topic_add,
  route_topic_remove,
  route_topic_retopic,
  route_topic_clear,
  routes_for_topic,
  conn_key_composite,
  count_ // number of statements
};

inline constexpr std::size_t statement_count = static_cast<std::size_t>(statement::count_);

/// The tables liner-caf adds to liner's (liner never reads them), in SQL
/// both SQLite and PostgreSQL accept.
extern const char* const extension_schema;

enum class dialect { sqlite, postgres };

/// Views for operators (docs/store-layout.md, "Views for operators"):
/// liner_keys, liner_peers, liner_pending and liner_acks, created or
/// replaced; run after the tables exist.
std::string operator_views(dialect d);

/// The SQL text with `?N` placeholders.
const char* text(statement id);

/// The SQL text with `$N` placeholders (PostgreSQL).
std::string dollar_text(statement id);

} // namespace liner::sql
