#include "stores/sql_statements.hpp"

#include <array>
#include <cctype>

namespace liner::sql {

namespace {

const std::array<const char*, statement_count> texts = {
  // allocate_id: one counter for connection keys and topic keys
  "UPDATE seq SET v = v + 1 WHERE id = 1 RETURNING v",
  // catalog_rows: addresses found dead (liner_dead_addr) last
  "SELECT t.addr, t.client_name FROM topic_addr t LEFT JOIN liner_dead_addr d "
  "ON d.addr = t.addr AND d.client_name = t.client_name WHERE t.topic = ?1 "
  "ORDER BY (d.addr IS NOT NULL), t.addr ASC",
  // catalog_name
  "SELECT client_name FROM topic_addr WHERE topic = ?1 AND addr = ?2",
  // regist
  "INSERT INTO topic_addr (topic, addr, client_name) VALUES (?1, ?2, ?3) "
  "ON CONFLICT (topic, addr) DO UPDATE SET client_name = excluded.client_name",
  // unregist
  "DELETE FROM topic_addr WHERE topic = ?1 AND addr = ?2",
  // clear_topic
  "DELETE FROM topic_addr WHERE topic = ?1",
  // listeners_of_sender
  "SELECT addr, listener_topic, client_name FROM sender_listener WHERE sender_key = ?1 "
  "ORDER BY addr ASC",
  // save_listener
  "INSERT INTO sender_listener (sender_key, addr, listener_topic, client_name) "
  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sender_key, addr) DO UPDATE SET "
  "listener_topic = excluded.listener_topic, client_name = excluded.client_name",
  // remove_listeners_on_topic
  "DELETE FROM sender_listener WHERE sender_key = ?1 AND listener_topic = ?2",
  // clear_listeners
  "DELETE FROM sender_listener WHERE sender_key = ?1",
  // listener_name_fallback
  "SELECT client_name FROM sender_listener WHERE sender_key = ?1 AND addr = ?2 "
  "AND listener_topic = ?3",
  // count_pending
  "SELECT COUNT(*) FROM conn_messages WHERE connection_key = ?1",
  // conn_key_get
  "SELECT connection_key FROM conn_key_map WHERE composite = ?1",
  // conn_key_insert: loses quietly to a concurrent allocator of the same name
  "INSERT INTO conn_key_map (composite, connection_key) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
  // conn_key_evict: what SQLite's INSERT OR REPLACE does to the UNIQUE key
  "DELETE FROM conn_key_map WHERE connection_key = ?2 AND composite <> ?1",
  // conn_key_seed
  "INSERT INTO conn_key_map (composite, connection_key) VALUES (?1, ?2) "
  "ON CONFLICT (composite) DO UPDATE SET connection_key = excluded.connection_key",
  // topic_key_get
  "SELECT k FROM topic_key WHERE topic = ?1",
  // topic_key_insert
  "INSERT INTO topic_key (topic, k) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
  // topic_key_seed
  "INSERT INTO topic_key (topic, k) VALUES (?1, ?2) ON CONFLICT (topic) DO UPDATE SET k = excluded.k",
  // conn_sender_set
  "INSERT INTO conn_sender (connection_key, sender_topic) VALUES (?1, ?2) "
  "ON CONFLICT (connection_key) DO UPDATE SET sender_topic = excluded.sender_topic",
  // conn_sender_get
  "SELECT sender_topic FROM conn_sender WHERE connection_key = ?1",
  // ack_set
  "INSERT INTO conn_mess_number (connection_key, v) VALUES (?1, ?2) "
  "ON CONFLICT (connection_key) DO UPDATE SET v = excluded.v",
  // ack_get
  "SELECT v FROM conn_mess_number WHERE connection_key = ?1",
  // ack_default
  "INSERT INTO conn_mess_number (connection_key, v) VALUES (?1, 0) ON CONFLICT DO NOTHING",
  // ack_delete
  "DELETE FROM conn_mess_number WHERE connection_key = ?1",
  // queue_read
  "SELECT id, payload FROM conn_messages WHERE connection_key = ?1 ORDER BY id ASC",
  // queue_read_page
  "SELECT id, payload FROM conn_messages WHERE connection_key = ?1 AND id > ?2 "
  "ORDER BY id ASC LIMIT ?3",
  // queue_delete_up_to
  "DELETE FROM conn_messages WHERE connection_key = ?1 AND id <= ?2",
  // queue_clear
  "DELETE FROM conn_messages WHERE connection_key = ?1",
  // queue_last
  "SELECT payload FROM conn_messages WHERE connection_key = ?1 ORDER BY id DESC LIMIT 1",
  // max_conn_key
  "SELECT COALESCE(MAX(connection_key), 0) FROM conn_key_map",
  // max_conn_sender
  "SELECT COALESCE(MAX(connection_key), 0) FROM conn_sender",
  // seq_raise
  "UPDATE seq SET v = ?1 WHERE id = 1 AND v < ?1",
  // save_listener_keep: like save_listener, but a row of the same listener keeps
  // its topic unless that is the internal channel
  "INSERT INTO sender_listener (sender_key, addr, listener_topic, client_name) "
  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sender_key, addr) DO UPDATE SET "
  "listener_topic = excluded.listener_topic, client_name = excluded.client_name "
  "WHERE sender_listener.client_name <> excluded.client_name "
  "OR sender_listener.listener_topic = '__#internal_channel'",
  // dead_mark (liner-caf): nothing listened at addr when we connected
  "INSERT INTO liner_dead_addr (addr, client_name) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
  // dead_clear: a client registering at addr lives there
  "DELETE FROM liner_dead_addr WHERE addr = ?1",
  // listener_addrs: every catalog address of a listener, dead ones last
  "SELECT t.addr, MAX(CASE WHEN d.addr IS NULL THEN 0 ELSE 1 END) AS dead FROM topic_addr t "
  "LEFT JOIN liner_dead_addr d ON d.addr = t.addr AND d.client_name = t.client_name "
  "WHERE t.client_name = ?1 GROUP BY t.addr ORDER BY dead, t.addr ASC",
  // route_topic_add (liner-caf): the route to a listener carries a topic
  "INSERT INTO liner_route_topic (sender_key, listener_name, topic) VALUES (?1, ?2, ?3) "
  "ON CONFLICT DO NOTHING",
  // route_topic_remove
  "DELETE FROM liner_route_topic WHERE sender_key = ?1 AND topic = ?2",
  // route_topic_retopic: rows of a forgotten topic take another topic of their route
  "UPDATE sender_listener SET listener_topic = (SELECT MIN(r.topic) FROM liner_route_topic r "
  "WHERE r.sender_key = sender_listener.sender_key AND r.listener_name = sender_listener.client_name) "
  "WHERE sender_key = ?1 AND listener_topic = ?2 AND EXISTS (SELECT 1 FROM liner_route_topic r "
  "WHERE r.sender_key = sender_listener.sender_key AND r.listener_name = sender_listener.client_name)",
  // route_topic_clear
  "DELETE FROM liner_route_topic WHERE sender_key = ?1",
  // routes_for_topic: remembered routes that carried a topic, with their addresses
  "SELECT l.addr, r.topic, l.client_name FROM liner_route_topic r JOIN sender_listener l "
  "ON l.sender_key = r.sender_key AND l.client_name = r.listener_name "
  "WHERE r.sender_key = ?1 AND r.topic = ?2 ORDER BY l.addr ASC",
  // conn_key_composite: which sender and listener a connection key joins
  "SELECT composite FROM conn_key_map WHERE connection_key = ?1",
};

} // namespace

const char* const extension_schema = R"sql(
CREATE TABLE IF NOT EXISTS liner_route_topic (
    sender_key TEXT NOT NULL,
    listener_name TEXT NOT NULL,
    topic TEXT NOT NULL,
    PRIMARY KEY (sender_key, listener_name, topic)
);

CREATE TABLE IF NOT EXISTS liner_dead_addr (
    addr TEXT NOT NULL,
    client_name TEXT NOT NULL,
    PRIMARY KEY (addr, client_name)
);
)sql";

std::string operator_views(dialect d) {
  // SQLite has no CREATE OR REPLACE VIEW and PostgreSQL no CREATE VIEW IF
  // NOT EXISTS; each splits a composite its own way. The rest is common.
  bool pg = d == dialect::postgres;
  std::string create = pg ? "CREATE OR REPLACE VIEW " : "CREATE VIEW IF NOT EXISTS ";
  std::string keys =
    pg ? R"sql(
SELECT connection_key, composite,
       split_part(composite, ':', 1) AS sender,
       split_part(composite, ':', 2) AS sender_topic,
       substr(composite, length(split_part(composite, ':', 1))
                         + length(split_part(composite, ':', 2)) + 3) AS listener
FROM conn_key_map;
)sql"
       : R"sql(
SELECT connection_key, composite,
       substr(composite, 1, instr(composite, ':') - 1) AS sender,
       substr(rest, 1, instr(rest, ':') - 1) AS sender_topic,
       substr(rest, instr(rest, ':') + 1) AS listener
FROM (SELECT connection_key, composite,
             substr(composite, instr(composite, ':') + 1) AS rest FROM conn_key_map);
)sql";
  return create + "liner_keys AS" + keys + create + R"sql(liner_peers AS
SELECT t.client_name, t.addr, t.topic,
       CASE WHEN EXISTS (SELECT 1 FROM liner_dead_addr d
                         WHERE d.addr = t.addr AND d.client_name = t.client_name)
            THEN 1 ELSE 0 END AS marked_dead
FROM topic_addr t;
)sql" + create + R"sql(liner_pending AS
SELECT k.sender, k.sender_topic, k.listener, k.connection_key,
       COUNT(m.id) AS waiting, MIN(m.id) AS oldest_id, COALESCE(MAX(n.v), 0) AS acked
FROM liner_keys k
JOIN conn_messages m ON m.connection_key = k.connection_key
LEFT JOIN conn_mess_number n ON n.connection_key = k.connection_key
GROUP BY k.sender, k.sender_topic, k.listener, k.connection_key;
)sql" + create + R"sql(liner_acks AS
SELECT k.sender, k.sender_topic, k.listener, k.connection_key, n.v AS acked
FROM liner_keys k
JOIN conn_mess_number n ON n.connection_key = k.connection_key;
)sql";
}

const char* text(statement id) {
  return texts[static_cast<std::size_t>(id)];
}

std::string dollar_text(statement id) {
  std::string s = text(id);
  for (std::size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] == '?' && std::isdigit(static_cast<unsigned char>(s[i + 1])))
      s[i] = '$';
  return s;
}

} // namespace liner::sql
