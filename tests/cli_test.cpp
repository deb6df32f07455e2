// The `liner` command against real stores (SQLite and PostgreSQL) with live
// peers: every subcommand run as a child process, its --json output parsed
// back, its exit codes, and bad arguments.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/client_helpers.hpp"
#include "support/raw_socket.hpp"
#include "runtime/net_address.hpp"

using namespace liner;
using namespace liner::test;
using json = nlohmann::json;

namespace {

struct run_result {
  int code;
  std::string out; // stdout (and stderr, with merge_stderr)
};

class cli_test : public client_fixture {
protected:
  /// Runs `liner --store <db> ARGS...` and waits for it.
  run_result liner(std::vector<std::string> args, bool merge_stderr = false) {
    std::string line = std::string(LINER_CLI_BIN) + " --store '" + db->location() + "'";
    for (auto& a : args)
      line += " '" + a + "'";
    child_process child{{"/bin/sh", "-c", line + (merge_stderr ? " 2>&1" : "")}};
    int code = child.wait();
    return {code, child.output()};
  }
  json liner_json(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto r = liner(args);
    EXPECT_EQ(r.code, 0) << r.out;
    return json::parse(r.out);
  }
  /// Waits (polling the catalog: the condition is in another process)
  /// until `topic` has `n` rows.
  bool wait_for_rows(const std::string& topic, int n) {
    auto deadline = std::chrono::steady_clock::now() + wait_deadline;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (db->catalog_count(topic) == n)
          return true;
      } catch (const std::exception&) { // no table until the other process made it
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

json find(const json& rows, const std::string& field, const std::string& value) {
  for (auto& r : rows)
    if (r.value(field, "") == value)
      return r;
  return nullptr;
}

} // namespace

TEST_P(cli_test, peers_topics_and_catalog_show_live_and_dead_addresses) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->client->subscribe("news"));
  dead_address ghost;
  db->exec("INSERT INTO topic_addr (topic, addr, client_name) VALUES ('b', '" + ghost.addr()
           + "', 'ghost')");

  auto peers = liner_json({"peers"});
  auto live = find(peers, "client", "b-name");
  ASSERT_FALSE(live.is_null()) << peers.dump();
  EXPECT_EQ(live["address"], *b->client->published_addr());
  EXPECT_EQ(live["topics"], json({"b", "news"})); // not the internal channel
  EXPECT_EQ(live["answers"], true);
  auto dead = find(peers, "client", "ghost");
  ASSERT_FALSE(dead.is_null()) << peers.dump();
  EXPECT_EQ(dead["answers"], false);

  auto topics = liner_json({"topics"});
  auto b_topic = find(topics, "topic", "b");
  EXPECT_EQ(b_topic["clients"], json({"b-name", "ghost"})) << topics.dump();
  EXPECT_FALSE(find(topics, "topic", "news").is_null());

  auto rows = liner_json({"catalog", "--no-probe", "--internal"});
  EXPECT_EQ(rows.size(), 4u) << rows.dump(); // b, news, the internal channel, ghost's b
  for (auto& r : rows)
    EXPECT_TRUE(r["answers"].is_null()) << "--no-probe probed: " << r.dump();

  auto text = liner({"peers"});
  EXPECT_EQ(text.code, 0);
  EXPECT_EQ(text.out.rfind("CLIENT", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("b-name"), std::string::npos) << text.out;
}

// send and listen run a real client: they work on every store, Redis too.
class cli_messaging_test : public cli_test {};

TEST_P(cli_messaging_test, send_reaches_a_listen_in_another_process) {
  child_process listener{{"/bin/sh", "-c", std::string(LINER_CLI_BIN) + " --store '" + db->location()
                                             + "' --json listen orders audit --name shop --count 3"}};
  ASSERT_TRUE(wait_for_rows("audit", 1)) << "the listener never registered";
  EXPECT_EQ(liner({"send", "orders", "order 1"}).code, 0);
  EXPECT_EQ(liner({"send", "orders", "--at-least-once", "order 2"}).code, 0);
  auto sent = liner_json({"send", "audit", "--all", "entry"});
  EXPECT_EQ(sent["bytes"], 5);
  ASSERT_EQ(listener.wait(), 0);
  std::vector<json> lines;
  std::istringstream in{listener.output()};
  for (std::string l; std::getline(in, l);)
    lines.push_back(json::parse(l));
  ASSERT_EQ(lines.size(), 3u) << listener.output();
  EXPECT_EQ(lines[0]["to"], "orders");
  EXPECT_EQ(lines[0]["from"], "liner-cli");
  EXPECT_EQ(lines[0]["data"], "order 1");
  EXPECT_EQ(lines[1]["data"], "order 2");
  EXPECT_EQ(lines[2]["to"], "audit");
  EXPECT_EQ(lines[2]["n"], 3);
  // It left the catalog when it stopped.
  EXPECT_TRUE(wait_for_rows("audit", 0));
}

TEST_P(cli_test, pending_and_acks_show_what_waits_for_a_listener_that_is_gone) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  // One message acked while b runs, then b goes away without leaving the
  // catalog (as after SIGKILL): the next at-least-once message waits.
  ASSERT_EQ(liner({"send", "b", "--at-least-once", "--name", "sender", "one"}).code, 0);
  ASSERT_TRUE(b->in.wait_for_count(1));
  auto addr = *b->client->published_addr();
  b.reset(); // stops: its rows go
  db->exec("INSERT INTO topic_addr (topic, addr, client_name) VALUES ('b', '" + addr + "', 'b-name')");
  auto sent = liner_json({"--timeout-ms", "300", "send", "b", "--at-least-once", "--name", "sender", "two"});
  EXPECT_EQ(sent["acked"], false);
  EXPECT_EQ(sent["stored"], 1);

  auto pending = liner_json({"pending"});
  auto row = find(pending, "sender", "sender");
  ASSERT_FALSE(row.is_null()) << pending.dump();
  EXPECT_EQ(row["waiting"], 1);
  auto by_peer = liner_json({"pending", "--by-peer"});
  row = find(by_peer, "sender", "sender");
  ASSERT_FALSE(row.is_null()) << by_peer.dump();
  EXPECT_EQ(row["listener"], "b-name");
  EXPECT_EQ(row["waiting"], 1);
  auto acked = row["acked"].get<long long>(); // the number of "one"
  EXPECT_GT(acked, 0);
  auto acks = liner_json({"acks"});
  row = find(acks, "sender", "sender");
  ASSERT_FALSE(row.is_null()) << acks.dump();
  EXPECT_EQ(row["listener"], "b-name");
  EXPECT_EQ(row["acked"], acked);

  // b comes back under its name: the stored message reaches it, first,
  // when the sender runs again, and the ack of the new one frees both.
  auto b2 = running("b-name", "b");
  ASSERT_TRUE(b2);
  sent = liner_json({"send", "b", "--at-least-once", "--name", "sender", "three"});
  EXPECT_EQ(sent["acked"], true) << sent.dump();
  EXPECT_EQ(sent["stored"], 0) << sent.dump();
  ASSERT_TRUE(b2->in.wait_for_count(2));
  EXPECT_EQ(b2->in.payloads(), (std::vector<std::string>{"two", "three"}));
  pending = liner_json({"pending"});
  EXPECT_TRUE(find(pending, "sender", "sender").is_null()) << "nothing waits: " << pending.dump();
}

TEST_P(cli_test, prune_removes_only_addresses_that_do_not_answer) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  dead_address ghost;
  db->exec("INSERT INTO topic_addr (topic, addr, client_name) VALUES ('b', '" + ghost.addr()
           + "', 'ghost'), ('c', '" + ghost.addr() + "', 'ghost')");
  auto dry = liner_json({"prune", "--dry-run"});
  EXPECT_EQ(dry["dry_run"], true);
  ASSERT_EQ(dry["removed"].size(), 1u) << dry.dump();
  EXPECT_EQ(dry["removed"][0]["address"], ghost.addr());
  EXPECT_EQ(dry["removed"][0]["topics"], json({"b", "c"}));
  EXPECT_EQ(db->scalar("SELECT count(*) FROM topic_addr WHERE client_name = 'ghost'"), 2);

  auto done = liner_json({"prune"});
  EXPECT_EQ(done["deleted_rows"], 2);
  EXPECT_EQ(db->scalar("SELECT count(*) FROM topic_addr WHERE client_name = 'ghost'"), 0);
  EXPECT_EQ(db->scalar("SELECT count(*) FROM topic_addr WHERE client_name = 'b-name'"), 2);
  EXPECT_EQ(liner_json({"prune"})["removed"].size(), 0u);
}

TEST_P(cli_test, doctor_says_healthy_and_names_what_to_fix) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto report = liner_json({"doctor"});
  EXPECT_EQ(report["healthy"], true) << report.dump(2);
  for (auto& c : report["checks"])
    EXPECT_EQ(c["result"], "ok") << c.dump();

  db->exec("INSERT INTO topic_addr (topic, addr, client_name) VALUES ('x', '0.0.0.0:4000', 'nat')");
  auto bad = liner({"--json", "doctor"});
  EXPECT_EQ(bad.code, 1);
  auto parsed = json::parse(bad.out);
  EXPECT_EQ(parsed["healthy"], false);
  bool named = false;
  for (auto& c : parsed["checks"])
    if (c["check"] == "addresses") {
      EXPECT_EQ(c["result"], "FAIL");
      EXPECT_NE(c["fix"].get<std::string>().find("advertise"), std::string::npos) << c.dump();
      named = true;
    }
  EXPECT_TRUE(named) << parsed.dump(2);
}

TEST_P(cli_test, bad_arguments_and_bad_stores_get_one_line_and_their_exit_code) {
  running("b-name", "b"); // the schema exists
  for (std::vector<std::string> args : {std::vector<std::string>{"frobnicate"},
                                        {"--timeout-ms", "abc", "peers"},
                                        {"send"},
                                        {"listen", "t", "--count", "0"},
                                        {"peers", "--bogus"}}) {
    auto r = liner(args, true);
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_EQ(r.out.rfind("liner: ", 0), 0u) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
  child_process none{{"/bin/sh", "-c", std::string(LINER_CLI_BIN) + " --store /nonexistent/dir/x.db peers 2>&1"}};
  EXPECT_EQ(none.wait(), 3);
  EXPECT_NE(none.output().find("cannot open the SQLite store /nonexistent/dir/x.db"), std::string::npos)
    << none.output();
  auto no_addr = liner({"send", "nobody-listens", "x"}, true);
  EXPECT_EQ(no_addr.code, 1);
  EXPECT_NE(no_addr.out.find("send_to nobody-listens: "), std::string::npos) << no_addr.out;
  // Best effort to an address nobody listens at: not sent, exit 1.
  dead_address ghost;
  db->exec("INSERT INTO topic_addr (topic, addr, client_name) VALUES ('gone', '" + ghost.addr()
           + "', 'ghost')");
  auto dropped = liner({"send", "gone", "x"});
  EXPECT_EQ(dropped.code, 1) << dropped.out;
  EXPECT_EQ(dropped.out, "not sent: gone could not be reached (best effort: dropped)\n");
  auto help = liner({"pending", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--by-peer"), std::string::npos);
}

TEST_P(cli_test, stats_reads_the_counters_of_a_running_process) {
  auto port = std::to_string(net::free_loopback_port());
  child_process listener{{"/bin/sh", "-c", "LINER_METRICS_ADDR=127.0.0.1:" + port + " "
                                             + std::string(LINER_CLI_BIN) + " --store '"
                                             + db->location() + "' --json listen metered --name m --count 2"}};
  ASSERT_TRUE(wait_for_rows("metered", 1)) << "the listener never registered";
  EXPECT_EQ(liner({"send", "metered", "abc"}).code, 0);
  // The counter moves when the message is delivered: read until it has.
  json clients;
  auto deadline = std::chrono::steady_clock::now() + wait_deadline;
  while (std::chrono::steady_clock::now() < deadline) {
    clients = liner_json({"stats", "--from", "127.0.0.1:" + port});
    auto m = find(clients, "client", "m");
    if (!m.is_null() && m["delivered"]["messages"] == 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10)); // another process: poll
  }
  auto m = find(clients, "client", "m");
  ASSERT_FALSE(m.is_null()) << clients.dump();
  EXPECT_EQ(m["delivered"]["messages"], 1);
  EXPECT_EQ(m["delivered"]["bytes"], 3);
  auto table = liner({"stats", "--from", "127.0.0.1:" + port});
  EXPECT_EQ(table.code, 0);
  EXPECT_EQ(table.out.rfind("CLIENT", 0), 0u) << table.out;
  EXPECT_EQ(liner({"send", "metered", "done"}).code, 0);
  EXPECT_EQ(listener.wait(), 0);
  // Nobody serves there any more: one line, exit 1.
  auto gone = liner({"stats", "--from", "127.0.0.1:" + port}, true);
  EXPECT_EQ(gone.code, 1) << gone.out;
  EXPECT_NE(gone.out.find("cannot reach 127.0.0.1:" + port), std::string::npos) << gone.out;
}

INSTANTIATE_TEST_SUITE_P(backends, cli_test, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(backends, cli_messaging_test,
                         ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });

// The inspecting subcommands read SQL; on Redis they say so (exit 2).
class cli_redis_test : public cli_test {};

TEST_P(cli_redis_test, inspecting_a_redis_store_is_refused_with_a_pointer_to_its_keys) {
  for (auto cmd : {"peers", "pending", "acks", "doctor", "prune"}) {
    auto r = liner({cmd}, true);
    EXPECT_EQ(r.code, 2) << cmd << ": " << r.out;
    EXPECT_NE(r.out.find("this command reads SQLite and PostgreSQL stores; on Redis use send and "
                         "listen, and redis-cli for the rest"),
              std::string::npos)
      << cmd << ": " << r.out;
  }
}

INSTANTIATE_TEST_SUITE_P(backends, cli_redis_test, ::testing::Values("redis"),
                         [](const auto& info) { return info.param; });
