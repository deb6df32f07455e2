// liner peers / topics / catalog / pending / acks: the store's views, as a
// table or JSON, with the addresses probed where that answers "is it up?".
#include <map>
#include <ostream>
#include <set>

#include <nlohmann/json.hpp>

#include <liner/error_code.hpp>

#include "cli/commands.hpp"
#include "cli/failure.hpp"
#include "cli/output.hpp"
#include "cli/probe.hpp"
#include "cli/store_view.hpp"

namespace liner::cli {

namespace {

using json = nlohmann::json;

std::unique_ptr<store_view> open_checked(const context& cx) {
  auto store = open_store_view(cx.store, cx.timeout);
  require_schema(*store);
  return store;
}

std::string join(const std::set<std::string>& items) {
  std::string s;
  for (auto& i : items)
    s += (s.empty() ? "" : ",") + i;
  return s;
}

// The catalog rows, without the internal channel unless asked for.
table catalog_rows(store_view& store, bool internal) {
  return store.query("SELECT client_name, addr, topic, marked_dead FROM liner_peers"
                     " WHERE $1 = 'yes' OR topic <> $2 ORDER BY client_name, addr, topic",
                     {internal ? "yes" : "no", internal_channel_topic});
}

std::map<std::string, probe_result> probe_rows(const context& cx, const table& t, bool probe) {
  if (!probe)
    return {};
  std::vector<std::string> addrs;
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    addrs.push_back(t.cell(i, "addr"));
  return probe_all(addrs, cx.probe);
}

json answer_json(const std::map<std::string, probe_result>& probes, const std::string& addr) {
  auto it = probes.find(addr);
  return it == probes.end() ? json(nullptr) : json(it->second.answers);
}

std::string answer_text(const std::map<std::string, probe_result>& probes, const std::string& addr) {
  auto it = probes.find(addr);
  return it == probes.end() ? "-" : it->second.answers ? "yes" : "no (" + it->second.detail + ")";
}

} // namespace

int peers(const context& cx, bool probe, bool internal) {
  auto store = open_checked(cx);
  auto t = catalog_rows(*store, internal);
  auto probes = probe_rows(cx, t, probe);
  struct peer {
    std::set<std::string> topics;
    bool marked_dead = false;
  };
  std::map<std::pair<std::string, std::string>, peer> by_address; // (client, addr)
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    auto& p = by_address[{t.cell(i, "client_name"), t.cell(i, "addr")}];
    p.topics.insert(t.cell(i, "topic"));
    p.marked_dead |= t.cell(i, "marked_dead") == "1";
  }
  if (cx.json) {
    auto out = json::array();
    for (auto& [key, p] : by_address)
      out.push_back({{"client", key.first}, {"address", key.second}, {"topics", p.topics},
                     {"answers", answer_json(probes, key.second)},
                     {"marked_dead", p.marked_dead}});
    *cx.out << out.dump(2) << '\n';
    return ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& [key, p] : by_address)
    rows.push_back({key.first, key.second, join(p.topics), answer_text(probes, key.second),
                    p.marked_dead ? "yes" : "no"});
  print_table(*cx.out, {"CLIENT", "ADDRESS", "TOPICS", "ANSWERS", "MARKED DEAD"}, rows);
  return ok;
}

int topics(const context& cx, bool internal) {
  auto store = open_checked(cx);
  auto t = catalog_rows(*store, internal);
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> by_topic;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    auto& entry = by_topic[t.cell(i, "topic")];
    entry.first.insert(t.cell(i, "addr"));
    entry.second.insert(t.cell(i, "client_name"));
  }
  if (cx.json) {
    auto out = json::array();
    for (auto& [topic, e] : by_topic)
      out.push_back({{"topic", topic}, {"addresses", e.first}, {"clients", e.second}});
    *cx.out << out.dump(2) << '\n';
    return ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& [topic, e] : by_topic)
    rows.push_back({topic, std::to_string(e.first.size()), join(e.second)});
  print_table(*cx.out, {"TOPIC", "ADDRESSES", "CLIENTS"}, rows);
  return ok;
}

int catalog(const context& cx, bool probe, bool internal) {
  auto store = open_checked(cx);
  auto t = catalog_rows(*store, internal);
  auto probes = probe_rows(cx, t, probe);
  if (cx.json) {
    auto out = json::array();
    for (std::size_t i = 0; i < t.rows.size(); ++i)
      out.push_back({{"topic", t.cell(i, "topic")}, {"address", t.cell(i, "addr")},
                     {"client", t.cell(i, "client_name")},
                     {"answers", answer_json(probes, t.cell(i, "addr"))},
                     {"marked_dead", t.cell(i, "marked_dead") == "1"}});
    *cx.out << out.dump(2) << '\n';
    return ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    rows.push_back({t.cell(i, "topic"), t.cell(i, "addr"), t.cell(i, "client_name"),
                    answer_text(probes, t.cell(i, "addr"))});
  print_table(*cx.out, {"TOPIC", "ADDRESS", "CLIENT", "ANSWERS"}, rows);
  return ok;
}

int pending(const context& cx, bool by_peer) {
  auto store = open_checked(cx);
  if (by_peer) {
    auto t = store->query("SELECT sender, sender_topic, listener, waiting, oldest_id, acked"
                          " FROM liner_pending ORDER BY sender, sender_topic, listener");
    if (cx.json) {
      auto out = json::array();
      for (std::size_t i = 0; i < t.rows.size(); ++i)
        out.push_back({{"sender", t.cell(i, "sender")}, {"sender_topic", t.cell(i, "sender_topic")},
                       {"listener", t.cell(i, "listener")},
                       {"waiting", std::stoll(t.cell(i, "waiting"))},
                       {"oldest_id", std::stoll(t.cell(i, "oldest_id"))},
                       {"acked", std::stoll(t.cell(i, "acked"))}});
      *cx.out << out.dump(2) << '\n';
      return ok;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto& r : t.rows)
      rows.push_back({r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), r[3].value_or(""),
                      r[4].value_or(""), r[5].value_or("")});
    print_table(*cx.out, {"SENDER", "SENDER TOPIC", "LISTENER", "WAITING", "OLDEST ID", "ACKED"},
                rows);
    return ok;
  }
  auto t = store->query("SELECT sender, sender_topic, SUM(waiting) AS waiting,"
                        " COUNT(*) AS listeners FROM liner_pending"
                        " GROUP BY sender, sender_topic ORDER BY sender, sender_topic");
  if (cx.json) {
    auto out = json::array();
    for (std::size_t i = 0; i < t.rows.size(); ++i)
      out.push_back({{"sender", t.cell(i, "sender")}, {"sender_topic", t.cell(i, "sender_topic")},
                     {"waiting", std::stoll(t.cell(i, "waiting"))},
                     {"listeners", std::stoll(t.cell(i, "listeners"))}});
    *cx.out << out.dump(2) << '\n';
    return ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& r : t.rows)
    rows.push_back({r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), r[3].value_or("")});
  print_table(*cx.out, {"SENDER", "SENDER TOPIC", "WAITING", "LISTENERS"}, rows);
  return ok;
}

int acks(const context& cx) {
  auto store = open_checked(cx);
  auto t = store->query("SELECT sender, sender_topic, listener, connection_key, acked"
                        " FROM liner_acks ORDER BY sender, sender_topic, listener");
  if (cx.json) {
    auto out = json::array();
    for (std::size_t i = 0; i < t.rows.size(); ++i)
      out.push_back({{"sender", t.cell(i, "sender")}, {"sender_topic", t.cell(i, "sender_topic")},
                     {"listener", t.cell(i, "listener")},
                     {"connection_key", std::stoll(t.cell(i, "connection_key"))},
                     {"acked", std::stoll(t.cell(i, "acked"))}});
    *cx.out << out.dump(2) << '\n';
    return ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& r : t.rows)
    rows.push_back({r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), r[3].value_or(""),
                    r[4].value_or("")});
  print_table(*cx.out, {"SENDER", "SENDER TOPIC", "LISTENER", "KEY", "ACKED"}, rows);
  return ok;
}

} // namespace liner::cli
