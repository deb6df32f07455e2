#include "stores/redis_store.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <liner/error_code.hpp>

#include "runtime/big_endian.hpp"
#include "runtime/frame_codec.hpp"
#include "stores/redis_catalog_feed.hpp"
#include "stores/redis_connection.hpp"

namespace liner {

namespace {

using redis::command;
using redis::key_part;
using redis::value;

constexpr char unit_separator = '\x1f'; // between topic and name in liner's sender hash

std::string catalog_key(const std::string& topic) {
  return "lnr_topic:" + key_part(topic) + ":addr";
}
std::string topic_key_key(const std::string& topic) {
  return "lnr_topic:" + key_part(topic) + ":key";
}
std::string connection_part(int32_t ck) {
  return "lnr_connection:" + std::to_string(ck);
}
std::string dead_key(const std::string& addr) {
  return "lnrcaf:dead_addr:" + key_part(addr);
}
std::string composite_key_of(int32_t ck) {
  return "lnrcaf:connection:" + std::to_string(ck) + ":composite";
}

int32_t as_key(const std::string& text, const std::string& where) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used == text.size() && v >= std::numeric_limits<int32_t>::min()
        && v <= std::numeric_limits<int32_t>::max())
      return static_cast<int32_t>(v);
  } catch (const std::exception&) {
  }
  throw store_error("Redis key " + where + " holds '" + text.substr(0, 40) + "', not a liner key");
}

uint64_t as_number(const std::string& text, const std::string& where) {
  try {
    std::size_t used = 0;
    if (!text.empty() && text[0] != '-') {
      unsigned long long v = std::stoull(text, &used);
      if (used == text.size() && v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return v;
    }
  } catch (const std::exception&) {
  }
  throw store_error("Redis key " + where + " holds '" + text.substr(0, 40) + "', not a message number");
}

// The message number of a stored frame (its id); 0 for bytes that are no frame.
int64_t frame_number(const char* frame, std::size_t size) {
  if (size < frame_prefix_size + frame_min_body)
    return 0;
  auto n = big_endian::read_u64(frame + frame_prefix_size);
  return n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? 0 : static_cast<int64_t>(n);
}

std::vector<char> as_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

// "{topic}\x1f{name}" of liner's sender hash (old liner wrote the topic alone).
std::pair<std::string, std::string> split_route(const std::string& v) {
  auto sep = v.find(unit_separator);
  if (sep == std::string::npos)
    return {v, ""};
  return {v.substr(0, sep), v.substr(sep + 1)};
}

// Field/value pairs of an HGETALL reply.
std::vector<std::pair<std::string, std::string>> pairs(const value& v) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i + 1 < v.elements.size(); i += 2)
    out.emplace_back(v.elements[i].str, v.elements[i + 1].str);
  return out;
}

class RedisStore : public Store {
public:
  RedisStore(const std::string& url, std::string unique_name)
    : Store(std::move(unique_name)), url_(url), conn_(url, "liner:" + this->unique_name()),
      channel_(redis_catalog_channel(conn_.where().db)) {}

  void set_deadline(clock::time_point deadline) override { conn_.set_deadline(deadline); }
  bool connected() const override { return conn_.connected(); }
  void reconnect() override { conn_.connect(); }
  catalog_feed_opener catalog_feed_source() const override {
    return redis_catalog_feed_opener(url_, "liner:" + unique_name() + ":catalog-feed");
  }

  // -- catalog --------------------------------------------------------------

  // Each catalog write is published (redis_catalog_feed.hpp) once it is
  // done, so a feed hears of it once it is visible, and a write that failed
  // (a key of the wrong type) is neither followed by anything nor announced.
  void regist_topic(const std::string& topic) override {
    conn_.run({"HSET", catalog_key(topic), source_localhost(), unique_name()});
    conn_.run({"DEL", dead_key(source_localhost())});
    publish("INSERT", topic, source_localhost(), unique_name());
  }

  void unregist_topic(const std::string& topic) override {
    conn_.run({"HDEL", catalog_key(topic), source_localhost()});
    publish("DELETE", topic, source_localhost(), unique_name());
  }

  void clear_addresses_of_topic() override {
    conn_.run({"DEL", catalog_key(source_topic())});
    publish("DELETE", source_topic(), "", "");
  }

  std::vector<topic_row> get_topic_directory(const std::string& topic) override {
    auto rows = pairs(conn_.run({"HGETALL", catalog_key(topic)}));
    auto dead = dead_flags(rows);
    std::vector<std::pair<bool, topic_row>> sorted;
    for (std::size_t i = 0; i < rows.size(); ++i)
      sorted.push_back({dead[i], {rows[i].first, rows[i].second}});
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first, a.second.addr) < std::tie(b.first, b.second.addr);
    });
    std::vector<topic_row> out;
    for (auto& [d, row] : sorted)
      out.push_back(std::move(row));
    return out;
  }

  std::optional<std::string> get_listener_unique_name(const std::string& topic,
                                                      const std::string& addr) override {
    auto name = conn_.run({"HGET", catalog_key(topic), addr});
    if (!name.is_nil())
      return name.str;
    auto route = conn_.run({"HGET", sender_hash(), addr});
    if (!route.is_nil()) {
      auto [stored_topic, listener] = split_route(route.str);
      if (stored_topic == topic && !listener.empty())
        return listener;
    }
    return std::nullopt;
  }

  std::vector<std::string> get_addresses_of_client(const std::string& client_name) override {
    std::vector<std::pair<std::string, std::string>> rows; // (addr, name) of that client
    for (auto& key : scan("lnr_topic:*:addr"))
      for (auto& [addr, name] : pairs(conn_.run({"HGETALL", key})))
        if (name == client_name)
          rows.emplace_back(addr, name);
    auto dead = dead_flags(rows);
    std::map<std::string, bool> addrs; // addr -> dead under any of its topics
    for (std::size_t i = 0; i < rows.size(); ++i)
      addrs[rows[i].first] = addrs[rows[i].first] || dead[i];
    std::vector<std::string> out;
    for (bool want_dead : {false, true})
      for (auto& [addr, d] : addrs)
        if (d == want_dead)
          out.push_back(addr);
    return out;
  }

  void mark_address_dead(const std::string& addr, const std::string& client_name) override {
    conn_.run({"SADD", dead_key(addr), client_name});
  }

  // -- sender routes ----------------------------------------------------------

  void save_listener_for_sender(const std::string& addr, const std::string& listener_topic,
                                const std::string& listener_name) override {
    conn_.run({"HSET", sender_hash(), addr, listener_topic + unit_separator + listener_name});
  }

  void remember_listener_address(const std::string& addr, const std::string& listener_topic,
                                 const std::string& listener_name) override {
    auto old = conn_.run({"HGET", sender_hash(), addr});
    if (!old.is_nil()) {
      auto [topic, name] = split_route(old.str);
      if (name == listener_name && topic != internal_channel_topic)
        return; // the row keeps its topic
    }
    save_listener_for_sender(addr, listener_topic, listener_name);
  }

  void remove_sender_listeners_on_topic(const std::string& listener_topic) override {
    for (auto& name : route_listeners())
      conn_.run({"SREM", route_topics_key(name), listener_topic});
    for (auto& [addr, v] : pairs(conn_.run({"HGETALL", sender_hash()}))) {
      auto [topic, name] = split_route(v);
      if (topic != listener_topic)
        continue;
      auto others = route_topics(name);
      if (others.empty())
        conn_.run({"HDEL", sender_hash(), addr});
      else // the route still carries other topics: the row takes one of them
        save_listener_for_sender(addr, *others.begin(), name);
    }
  }

  void remember_route_topic(const std::string& listener_name, const std::string& topic) override {
    conn_.run_all({{"SADD", route_topics_key(listener_name), topic},
                   {"SADD", routes_key(), listener_name}});
  }

  std::vector<listener_row> get_routes_for_topic(const std::string& topic) override {
    std::set<std::string> carrying;
    for (auto& name : route_listeners())
      if (route_topics(name).count(topic))
        carrying.insert(name);
    std::vector<listener_row> out;
    for (auto& row : get_listeners_of_sender())
      if (carrying.count(row.client_name))
        out.push_back({row.addr, topic, row.client_name});
    return out;
  }

  std::vector<listener_row> get_listeners_of_sender() override {
    std::vector<listener_row> out;
    for (auto& [addr, v] : pairs(conn_.run({"HGETALL", sender_hash()}))) {
      auto [topic, name] = split_route(v);
      out.push_back({addr, topic, name});
    }
    std::sort(out.begin(), out.end(),
              [](const listener_row& a, const listener_row& b) { return a.addr < b.addr; });
    return out;
  }

  // As liner: the queues and acks of every remembered route and of every
  // connection key this sender was given (orphans of a kill -9 included),
  // then the routes; the key mappings stay.
  void clear_stored_messages() override {
    std::set<int32_t> keys;
    for (auto& route : remembered_routes())
      keys.insert(route.connection_key);
    auto prefix = "lnr_connection:" + key_part(unique_name()) + ":" + key_part(source_topic()) + ":";
    for (auto& key : scan(redis::glob_literal(prefix) + "*:key")) {
      auto v = conn_.run({"GET", key});
      if (!v.is_nil())
        keys.insert(as_key(v.str, key));
    }
    std::vector<std::string> dels{"DEL", sender_hash(), routes_key()};
    for (auto& name : route_listeners())
      dels.push_back(route_topics_key(name));
    for (auto ck : keys) {
      dels.push_back(connection_part(ck) + ":messages");
      dels.push_back(connection_part(ck) + ":mess_number");
    }
    conn_.run(command(dels.begin(), dels.end()));
  }

  // -- keys ---------------------------------------------------------------------

  std::optional<int32_t> find_connection_key_for_sender(const std::string& listener_name) override {
    auto key = connection_key_key(listener_name);
    auto v = conn_.run({"GET", key});
    if (v.is_nil())
      return std::nullopt;
    return as_key(v.str, key);
  }

  int32_t get_connection_key_for_sender(const std::string& listener_name) override {
    auto ck = get_or_allocate(connection_key_key(listener_name));
    // Which sender and listener a key joins: liner keeps only the other way.
    conn_.run({"SET", composite_key_of(ck), composite_key(listener_name), "NX"});
    return ck;
  }

  int32_t get_topic_key(const std::string& topic) override {
    return get_or_allocate(topic_key_key(topic));
  }

  void set_sender_topic_by_connection_key_from_sender(int32_t ck) override {
    conn_.run({"SET", connection_part(ck) + ":sender", source_topic()});
  }

  std::optional<std::string> get_sender_topic_by_connection_key(int32_t ck) override {
    auto v = conn_.run({"GET", connection_part(ck) + ":sender"});
    if (v.is_nil())
      return std::nullopt;
    return v.str;
  }

  std::optional<std::string> get_connection_composite(int32_t ck) override {
    auto v = conn_.run({"GET", composite_key_of(ck)});
    if (!v.is_nil())
      return v.str;
    // A key Rust liner allocated: found by its value among the mappings.
    auto wanted = std::to_string(ck);
    for (auto& key : scan("lnr_connection:*:key")) {
      auto k = conn_.run({"GET", key});
      if (k.is_nil() || k.str != wanted)
        continue;
      // lnr_connection:{sender}:{topic}:{listener}:key, each part escaped
      // (an escaped part has no bare ':'): unescaped and joined by ':'.
      auto inner = key.substr(std::string("lnr_connection:").size());
      inner.resize(inner.size() - std::string(":key").size());
      std::string composite, part;
      for (std::size_t i = 0; i < inner.size(); ++i) {
        if (inner[i] == '\\' && i + 1 < inner.size()) {
          part += inner.substr(i, 2);
          ++i;
        } else if (inner[i] == ':') {
          composite += redis::from_key_part(part) + ":";
          part.clear();
        } else {
          part += inner[i];
        }
      }
      return composite + redis::from_key_part(part);
    }
    return std::nullopt;
  }

  // -- acks -----------------------------------------------------------------------

  void set_last_mess_number_from_listener(int32_t ck, uint64_t number) override {
    set_last_mess_numbers_from_listener({{ck, number}});
  }

  void set_last_mess_numbers_from_listener(
    const std::vector<std::pair<int32_t, uint64_t>>& acks) override {
    if (acks.empty())
      return;
    std::vector<std::string> args{"MSET"};
    for (auto& [ck, n] : acks) {
      if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw store_error("message number " + std::to_string(n) + " exceeds the stored range");
      args.push_back(connection_part(ck) + ":mess_number");
      args.push_back(std::to_string(n));
    }
    conn_.run(command(args.begin(), args.end()));
  }

  uint64_t get_last_mess_number_for_listener(int32_t ck) override { return ack_or_default(ck); }
  uint64_t get_last_mess_number_for_sender(int32_t ck) override { return ack_or_default(ck); }

  // -- offline queue ------------------------------------------------------------------

  int64_t count_pending_messages(int32_t ck) override {
    return conn_.run({"LLEN", queue_key(ck)}).integer;
  }

  std::vector<int64_t> append_to_queue(int32_t ck, const std::vector<std::vector<char>>& frames,
                                       int64_t delete_up_to_id) override {
    auto key = queue_key(ck);
    std::size_t acked = delete_up_to_id > 0 ? acked_prefix(key, delete_up_to_id) : 0;
    std::vector<int64_t> ids;
    std::vector<command> tx{{"MULTI"}};
    auto from = std::to_string(acked);
    if (acked > 0)
      tx.push_back({"LTRIM", key, from, "-1"});
    if (!frames.empty()) {
      command push{"RPUSH", key};
      for (auto& f : frames) {
        push.emplace_back(f.data(), f.size());
        ids.push_back(frame_number(f.data(), f.size()));
      }
      tx.push_back(std::move(push));
    }
    tx.push_back({"EXEC"});
    if (tx.size() > 2)
      conn_.run_all(tx);
    return ids;
  }

  std::vector<std::vector<char>> load_messages_for_sender(int32_t ck) override {
    auto key = queue_key(ck);
    auto r = conn_.run_all({{"MULTI"}, {"LRANGE", key, "0", "-1"}, {"DEL", key}, {"EXEC"}});
    std::vector<std::vector<char>> out;
    if (!r.back().elements.empty())
      for (auto& f : r.back().elements.front().elements)
        out.push_back(as_bytes(f.str));
    return out;
  }

  std::vector<stored_frame> read_messages_for_sender(int32_t ck) override {
    std::vector<stored_frame> out;
    for (auto& f : conn_.run({"LRANGE", queue_key(ck), "0", "-1"}).elements)
      out.push_back({frame_number(f.str.data(), f.str.size()), as_bytes(f.str)});
    return out;
  }

  // Acked frames are trimmed from the front as acks come, so the frames at
  // or below `after_id` are few: skip them a chunk at a time.
  std::vector<stored_frame> read_queue_page(int32_t ck, int64_t after_id, std::size_t limit) override {
    auto key = queue_key(ck);
    std::vector<stored_frame> out;
    std::size_t at = 0;
    while (out.size() < limit) {
      auto chunk = conn_.run({"LRANGE", key, std::to_string(at), std::to_string(at + limit - 1)});
      for (auto& f : chunk.elements) {
        auto id = frame_number(f.str.data(), f.str.size());
        if (id > after_id && out.size() < limit)
          out.push_back({id, as_bytes(f.str)});
      }
      if (chunk.elements.size() < limit)
        break;
      at += limit;
    }
    return out;
  }

  void delete_messages_for_sender(int32_t ck, int64_t up_to_id) override {
    auto key = queue_key(ck);
    auto acked = acked_prefix(key, up_to_id);
    if (acked > 0)
      conn_.run({"LTRIM", key, std::to_string(acked), "-1"});
  }

  std::optional<std::vector<char>> load_last_message_for_sender(int32_t ck) override {
    auto r = conn_.run({"LRANGE", queue_key(ck), "-1", "-1"});
    if (r.elements.empty())
      return std::nullopt;
    return as_bytes(r.elements.front().str);
  }

  // receivers_json seeds isolated SQLite files only; on Redis it is a no-op, as in liner.
  void seed_receivers(const std::vector<receiver_seed>&) override {}

private:
  std::string sender_hash() const {
    return "lnr_sender:" + key_part(unique_name()) + ":" + key_part(source_topic()) + ":listener";
  }
  std::string connection_key_key(const std::string& listener_name) const {
    return "lnr_connection:" + key_part(unique_name()) + ":" + key_part(source_topic()) + ":"
           + key_part(listener_name) + ":key";
  }
  std::string queue_key(int32_t ck) const { return connection_part(ck) + ":messages"; }
  std::string routes_key() const {
    return "lnrcaf:sender:" + key_part(unique_name()) + ":" + key_part(source_topic()) + ":routes";
  }
  std::string route_topics_key(const std::string& listener_name) const {
    return "lnrcaf:sender:" + key_part(unique_name()) + ":" + key_part(source_topic()) + ":route:"
           + key_part(listener_name);
  }

  void publish(const std::string& op, const std::string& topic, const std::string& addr,
               const std::string& client) {
    conn_.run({"PUBLISH", channel_, redis_catalog_message(op, topic, addr, client)});
  }

  std::vector<std::string> route_listeners() {
    std::vector<std::string> out;
    for (auto& v : conn_.run({"SMEMBERS", routes_key()}).elements)
      out.push_back(v.str);
    return out;
  }

  std::set<std::string> route_topics(const std::string& listener_name) {
    std::set<std::string> out;
    for (auto& v : conn_.run({"SMEMBERS", route_topics_key(listener_name)}).elements)
      out.insert(v.str);
    return out;
  }

  // Whether each (addr, client) was marked dead, in one round trip.
  std::vector<bool> dead_flags(const std::vector<std::pair<std::string, std::string>>& rows) {
    if (rows.empty())
      return {};
    std::vector<std::string> keys;
    for (auto& r : rows)
      keys.push_back(dead_key(r.first));
    std::vector<command> cmds;
    for (std::size_t i = 0; i < rows.size(); ++i)
      cmds.push_back({"SISMEMBER", keys[i], rows[i].second});
    std::vector<bool> out;
    for (auto& v : conn_.run_all(cmds))
      out.push_back(v.integer == 1);
    return out;
  }

  // Every key matching `pattern` (SCAN: never blocks the server like KEYS).
  std::vector<std::string> scan(const std::string& pattern) {
    std::set<std::string> out;
    std::string cursor = "0";
    do {
      auto r = conn_.run({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      if (r.elements.size() != 2)
        throw store_error("Redis: unexpected SCAN reply");
      cursor = r.elements[0].str;
      for (auto& k : r.elements[1].elements)
        out.insert(k.str);
    } while (cursor != "0");
    return {out.begin(), out.end()};
  }

  // A key from the shared counter, safe against a concurrent allocator of
  // the same name: whoever sets it first wins, the other reads that value.
  int32_t get_or_allocate(const std::string& key) {
    auto v = conn_.run({"GET", key});
    if (!v.is_nil())
      return as_key(v.str, key);
    auto id = std::to_string(conn_.run({"INCR", "lnr_unique_key"}).integer);
    auto r = conn_.run_all({{"SET", key, id, "NX"}, {"GET", key}});
    if (r[1].is_nil())
      throw store_error("key allocation for " + key + " left no value");
    return as_key(r[1].str, key);
  }

  uint64_t ack_or_default(int32_t ck) {
    auto key = connection_part(ck) + ":mess_number";
    auto v = conn_.run({"GET", key});
    if (!v.is_nil())
      return as_number(v.str, key);
    conn_.run({"SETNX", key, "0"});
    return 0;
  }

  // How many frames at the front of the queue have ids <= up_to_id.
  std::size_t acked_prefix(const std::string& key, int64_t up_to_id) {
    constexpr std::size_t chunk = 256;
    std::size_t n = 0;
    while (true) {
      auto r = conn_.run({"LRANGE", key, std::to_string(n), std::to_string(n + chunk - 1)});
      for (auto& f : r.elements) {
        if (frame_number(f.str.data(), f.str.size()) > up_to_id)
          return n;
        ++n;
      }
      if (r.elements.size() < chunk)
        return n;
    }
  }

  std::string url_;
  redis::connection conn_;
  std::string channel_;
};

} // namespace

std::unique_ptr<Store> open_redis_store(const std::string& url, std::string unique_name,
                                        std::chrono::milliseconds timeout) {
  auto store = std::make_unique<RedisStore>(url, std::move(unique_name));
  store->set_deadline(Store::clock::now() + timeout);
  store->reconnect();
  return store;
}

} // namespace liner
