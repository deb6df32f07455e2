// liner prune (catalog rows of addresses that no longer answer) and liner
// doctor (is this store, this schema, this machine fit for a mesh?).
#include <chrono>
#include <cstdlib>
#include <map>
#include <ostream>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/failure.hpp"
#include "cli/output.hpp"
#include "cli/probe.hpp"
#include "cli/store_view.hpp"
#include "runtime/http_endpoint.hpp"
#include "runtime/knobs.hpp"
#include "runtime/log.hpp"
#include "runtime/net_address.hpp"
#include "runtime/tls.hpp"

namespace liner::cli {

namespace {

using json = nlohmann::json;

struct address_rows {
  std::string client;
  std::set<std::string> topics;
};

} // namespace

// Two probes, so that one lost SYN does not remove a live peer.
int prune(const context& cx, bool dry_run) {
  auto store = open_store_view(cx.store, cx.timeout);
  require_schema(*store, false);
  auto t = store->query("SELECT addr, client_name, topic FROM topic_addr ORDER BY addr, client_name");
  std::map<std::pair<std::string, std::string>, std::set<std::string>> rows; // (addr, client) -> topics
  std::vector<std::string> addrs;
  for (auto& r : t.rows) {
    rows[{r[0].value_or(""), r[1].value_or("")}].insert(r[2].value_or(""));
    addrs.push_back(r[0].value_or(""));
  }
  auto first = probe_all(addrs, cx.probe);
  std::vector<std::string> silent;
  for (auto& [addr, p] : first)
    if (!p.answers)
      silent.push_back(addr);
  auto second = probe_all(silent, cx.probe);

  auto removed = json::array();
  std::vector<std::vector<std::string>> table_rows;
  std::size_t kept = 0, deleted_rows = 0;
  for (auto& [key, topic_set] : rows) {
    auto& [addr, client] = key;
    auto it = second.find(addr);
    if (it == second.end() || it->second.answers) {
      ++kept;
      continue;
    }
    if (!dry_run) {
      store->query("DELETE FROM topic_addr WHERE addr = $1 AND client_name = $2", {addr, client});
      deleted_rows += topic_set.size();
    }
    removed.push_back({{"address", addr}, {"client", client}, {"topics", topic_set},
                       {"probe", it->second.detail}});
    std::string topics;
    for (auto& tp : topic_set)
      topics += (topics.empty() ? "" : ",") + tp;
    table_rows.push_back({addr, client, topics, it->second.detail});
  }
  if (cx.json) {
    *cx.out << json{{"dry_run", dry_run}, {"removed", removed}, {"kept", kept},
                    {"deleted_rows", deleted_rows}}
                 .dump(2)
            << '\n';
    return ok;
  }
  if (table_rows.empty()) {
    *cx.out << "every address answers (" << kept << " kept)\n";
    return ok;
  }
  print_table(*cx.out, {"ADDRESS", "CLIENT", "TOPICS", "PROBE"}, table_rows);
  *cx.out << (dry_run ? "would remove " : "removed ") << table_rows.size() << " address(es)"
          << (dry_run ? "" : " (" + std::to_string(deleted_rows) + " catalog rows)") << ", kept "
          << kept << '\n';
  return ok;
}

// -- doctor ----------------------------------------------------------------------------------

namespace {

enum class verdict { ok, warn, fail };

struct check {
  std::string name;
  verdict result;
  std::string detail;
  std::string fix; // what to do (empty when ok)
};

const char* verdict_name(verdict v) {
  return v == verdict::ok ? "ok" : v == verdict::warn ? "warn" : "FAIL";
}

check schema_check(store_view& store) {
  auto names = store.relations();
  static const char* liner_tables[] = {"topic_addr",   "sender_listener", "conn_key_map",
                                       "topic_key",    "conn_sender",     "conn_mess_number",
                                       "conn_messages"};
  static const char* caf_relations[] = {"liner_route_topic", "liner_dead_addr", "liner_keys",
                                        "liner_peers",       "liner_pending",   "liner_acks"};
  std::string missing;
  for (auto t : liner_tables)
    if (!names.count(t))
      missing += std::string(missing.empty() ? "" : ", ") + t;
  if (names.count("topic_addr") == 0)
    return {"schema", verdict::fail, "no liner tables in " + store.describe(),
            "check --store (and the namespace: LINER_NAMESPACE or options=-cliner.namespace=NAME); "
            "a client creates the tables when it first opens the store"};
  if (!missing.empty())
    return {"schema", verdict::fail, "liner tables missing: " + missing,
            "the store was made by another program: restore it or start from an empty one"};
  std::string caf_missing;
  for (auto t : caf_relations)
    if (!names.count(t))
      caf_missing += std::string(caf_missing.empty() ? "" : ", ") + t;
  if (store.kind() == "postgres") {
    if (!names.count("liner_outbox"))
      caf_missing += std::string(caf_missing.empty() ? "" : ", ") + "liner_outbox";
    auto triggers = store.query("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'topic_addr'::regclass"
                                " AND tgname LIKE 'liner_catalog_notify%'");
    if (triggers.rows.at(0).at(0).value_or("0") != "2")
      caf_missing += std::string(caf_missing.empty() ? "" : ", ") + "the catalog triggers";
  }
  if (!caf_missing.empty())
    return {"schema", verdict::warn,
            "liner 1.4.1's tables; liner-caf's additions missing: " + caf_missing,
            "start any liner-caf client on this store once: it adds them (liner peers are not "
            "affected)"};
  return {"schema", verdict::ok, "liner tables and liner-caf's views"
                                   + std::string(store.kind() == "postgres" ? ", triggers and outbox" : ""),
          ""};
}

check clock_check(store_view& store) {
  if (store.kind() != "postgres")
    return {"clock", verdict::ok, "SQLite: the store shares this machine's clock", ""};
  auto before = std::chrono::system_clock::now();
  auto t = store.query("SELECT extract(epoch FROM clock_timestamp())::float8");
  auto after = std::chrono::system_clock::now();
  double server = std::stod(t.rows.at(0).at(0).value_or("0"));
  double local = std::chrono::duration<double>((before.time_since_epoch() + after.time_since_epoch()) / 2).count();
  double skew = server - local;
  char text[64];
  std::snprintf(text, sizeof text, "%+.3f s against the PostgreSQL server", skew);
  if (skew > 1 || skew < -1)
    return {"clock", verdict::warn, text,
            "synchronise the clocks (chrony or systemd-timesyncd): log times will not line up"};
  return {"clock", verdict::ok, text, ""};
}

check peers_check(store_view& store, const context& cx) {
  auto t = store.query("SELECT DISTINCT addr FROM topic_addr");
  std::vector<std::string> addrs;
  std::size_t unspecified = 0;
  for (auto& r : t.rows) {
    addrs.push_back(r[0].value_or(""));
    auto ep = net::resolve(addrs.back());
    if (ep && (ep->ip == "0.0.0.0" || ep->ip == "::"))
      ++unspecified;
  }
  if (unspecified)
    return {"addresses", verdict::fail,
            std::to_string(unspecified) + " catalog address(es) are 0.0.0.0 or [::], which no peer can dial",
            "a client that binds 0.0.0.0 must set the address others reach it at "
            "(lnr_set_advertise_addr, Client::set_advertise_addr, set_advertise_addr in Python)"};
  auto probes = probe_all(addrs, cx.probe);
  std::size_t silent = 0;
  for (auto& [addr, p] : probes)
    silent += !p.answers;
  if (silent)
    return {"addresses", verdict::warn,
            std::to_string(silent) + " of " + std::to_string(probes.size())
              + " catalog address(es) do not answer from here",
            "`liner peers` shows which; `liner prune` removes them (peers that stopped without "
            "leaving the catalog, e.g. after SIGKILL)"};
  return {"addresses", verdict::ok, std::to_string(probes.size()) + " catalog address(es), all answer", ""};
}

check environment_check() {
  std::vector<std::string> bad = knobs::environment_problems();
  if (auto v = std::getenv("LINER_LOG"); v && *v && !log::parse_level(v))
    bad.push_back(std::string("LINER_LOG=") + v + " is not a level");
  if (auto tls_files = tls::settings::from_environment(); !tls_files)
    bad.push_back(tls_files.error().message + " (clients refuse to start)");
  if (auto v = std::getenv("LINER_METRICS_ADDR"); v && *v) {
    auto ep = net::resolve(v);
    if (!ep)
      bad.push_back(std::string("LINER_METRICS_ADDR=") + v + " is not host:port");
    else if (!http::is_loopback(*ep))
      bad.push_back(std::string("LINER_METRICS_ADDR=") + v
                    + " is not a loopback address (no metrics are served)");
  }
  if (!bad.empty()) {
    std::string text;
    for (const auto& b : bad)
      text += (text.empty() ? "" : "; ") + b;
    return {"environment", verdict::fail, text, "fix the variables (docs/configuration.md)"};
  }
  return {"environment", verdict::ok, "LINER_* variables are well-formed", ""};
}

} // namespace

int doctor(const context& cx) {
  std::vector<check> checks;
  std::unique_ptr<store_view> store;
  try {
    store = open_store_view(cx.store, cx.timeout);
    checks.push_back({"store", verdict::ok, store->kind() + ": " + store->describe(), ""});
  } catch (const failure& f) {
    if (f.code == usage)
      throw;
    checks.push_back({"store", verdict::fail, f.what(),
                      is_postgres_location(cx.store)
                        ? "is PostgreSQL running and reachable from here? check host, port, user, "
                          "password (PG* variables, ~/.pgpass) and pg_hba.conf"
                        : "check the path: the file must exist (a client creates it) and be "
                          "readable and writable by you"});
  }
  if (store) {
    checks.push_back(schema_check(*store));
    if (checks.back().result != verdict::fail) {
      checks.push_back(clock_check(*store));
      checks.push_back(peers_check(*store, cx));
    }
  }
  checks.push_back(environment_check());

  bool failed = false;
  for (auto& c : checks)
    failed |= c.result == verdict::fail;
  if (cx.json) {
    auto out = json::array();
    for (auto& c : checks)
      out.push_back({{"check", c.name}, {"result", verdict_name(c.result)}, {"detail", c.detail},
                     {"fix", c.fix}});
    *cx.out << json{{"healthy", !failed}, {"checks", out}}.dump(2) << '\n';
  } else {
    for (auto& c : checks) {
      *cx.out << verdict_name(c.result) << std::string(6 - std::string(verdict_name(c.result)).size(), ' ')
              << c.name << ": " << c.detail << '\n';
      if (!c.fix.empty())
        *cx.out << "      fix: " << c.fix << '\n';
    }
  }
  if (!store)
    return no_store;
  return failed ? problem : ok;
}

} // namespace liner::cli
