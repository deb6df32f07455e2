// Client::stats_json: the counters move as real clients send and deliver
// (exact counts once the messages arrived), BUSY refusals are counted, a
// route counts its reconnects after the listener restarts, and the JSON has
// the documented fields (docs/cpp-api.md, "Metrics"). On SQLite and
// PostgreSQL. The HTTP endpoint is tested in metrics_endpoint_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "support/client_helpers.hpp"
#include "support/metrics_helpers.hpp"
#include "support/raw_socket.hpp"

using namespace liner;
using namespace liner::test;
using json = nlohmann::json;

namespace {

class metrics_test : public client_fixture {};

const json* route_to(const json& stats, const std::string& listener) {
  for (auto& r : stats.at("routes"))
    if (r.at("listener") == listener)
      return &r;
  return nullptr;
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> out;
  for (auto& [k, v] : object.items())
    out.insert(k);
  return out;
}

TEST_P(metrics_test, counts_what_is_sent_and_delivered) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  const int n = 20;
  uint64_t bytes = 0;
  for (int i = 0; i < n; ++i) {
    auto payload = numbered(i);
    bytes += payload.size();
    ASSERT_TRUE(a->send("b", payload, i % 2 == 0)) << a->error(); // both kinds count
  }
  ASSERT_TRUE(b->in.wait_for_count(n));

  // The sender counts at the send: exact at once.
  auto sa = stats_of(*a->client);
  EXPECT_EQ(sa["client"], "a-name");
  EXPECT_EQ(sa["topic"], "a");
  EXPECT_EQ(sa["running"], true);
  EXPECT_EQ(sa["sent"]["messages"], n);
  EXPECT_EQ(sa["sent"]["bytes"], bytes);
  EXPECT_EQ(sa["refused_busy"], 0);
  auto route = route_to(sa, "b-name");
  ASSERT_TRUE(route) << sa.dump(2);
  EXPECT_EQ(route->at("sent_messages"), n);
  EXPECT_EQ(route->at("sent_bytes"), bytes);
  EXPECT_EQ(route->at("topics"), json::array({"b"}));
  EXPECT_EQ(route->at("addr"), *b->client->published_addr());
  EXPECT_GE(route->at("connects").get<int64_t>(), 1);

  // The receiver counts before its callback runs: exact once the inbox has them.
  auto sb = stats_of(*b->client);
  EXPECT_EQ(sb["delivered"]["messages"], n);
  EXPECT_EQ(sb["delivered"]["bytes"], bytes);
  EXPECT_EQ(sb["sent"]["messages"], 0); // its announcements are not the user's messages

  // Acks come back: nothing waits any more, and the ack covers the last message.
  ASSERT_TRUE(wait_for_stats(*a->client, [](const json& s) {
    auto r = route_to(s, "b-name");
    return r && r->at("alo_unacked") == 0 && r->at("queued") == 0 && s.at("alo_unacked") == 0
           && r->at("acked").get<int64_t>() > 0;
  })) << a->client->stats_json();

  for (auto* s : {&sa, &sb}) {
    auto& store = (*s)["store"];
    EXPECT_GT(store["requests"].get<int64_t>(), 0) << s->dump();
    EXPECT_EQ(store["failures"], 0) << s->dump();
    EXPECT_LE(store["avg_us"].get<int64_t>(), store["max_us"].get<int64_t>()) << s->dump();
  }

  // Totals outlive the routes, which go at stop.
  ASSERT_TRUE(a->client->stop());
  auto stopped = stats_of(*a->client);
  EXPECT_EQ(stopped["running"], false);
  EXPECT_EQ(stopped["routes"], json::array());
  EXPECT_EQ(stopped["sent"]["messages"], n);
  EXPECT_EQ(stopped["sent"]["bytes"], bytes);
}

TEST_P(metrics_test, send_all_counts_one_message_per_copy) {
  auto b1 = running("b1-name", "b");
  ASSERT_TRUE(b1);
  auto b2 = created("b2-name", "b2");
  ASSERT_TRUE(b2);
  ASSERT_TRUE(b2->client->subscribe("b"));
  ASSERT_TRUE(b2->run());
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->client->send_all("b", "xyz", 3)) << a->error();
  ASSERT_TRUE(b1->in.wait_for_count(1));
  ASSERT_TRUE(b2->in.wait_for_count(1));
  auto s = stats_of(*a->client);
  EXPECT_EQ(s["sent"]["messages"], 2);
  EXPECT_EQ(s["sent"]["bytes"], 6);
  ASSERT_TRUE(route_to(s, "b1-name") && route_to(s, "b2-name")) << s.dump(2);
  EXPECT_EQ(route_to(s, "b1-name")->at("sent_messages"), 1);
  EXPECT_EQ(route_to(s, "b2-name")->at("sent_messages"), 1);
}

TEST_P(metrics_test, busy_refusals_are_counted) {
  knob_guard restore;
  dead_address ghost;
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  db->add_catalog_row("gone", ghost.addr(), "ghost");
  Client::set_max_send_queue(3);
  int accepted = send_until_refused(*a, "gone");
  ASSERT_GE(accepted, 0);
  auto s = stats_of(*a->client);
  EXPECT_EQ(s["refused_busy"], 1);
  EXPECT_EQ(s["sent"]["messages"], accepted);
  auto route = route_to(s, "ghost");
  ASSERT_TRUE(route) << s.dump(2);
  EXPECT_EQ(route->at("refused_busy"), 1);
  EXPECT_EQ(route->at("sent_messages"), accepted);
  EXPECT_EQ(route->at("connected"), false);
  EXPECT_EQ(route->at("connects"), 0);
}

TEST_P(metrics_test, reconnects_are_counted_after_the_listener_restarts) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send("b", "before"));
  ASSERT_TRUE(b->in.wait_for_data("before"));
  auto first = stats_of(*a->client);
  ASSERT_TRUE(route_to(first, "b-name"));
  EXPECT_EQ(route_to(first, "b-name")->at("connected"), true);
  EXPECT_EQ(route_to(first, "b-name")->at("connects"), 1);

  ASSERT_TRUE(b->client->stop());
  ASSERT_TRUE(b->run()); // another port: a's route follows b's announcement
  ASSERT_TRUE(a->send("b", "after")) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("after"));
  // "after" came over a stream opened after the restart.
  auto s = stats_of(*a->client);
  auto route = route_to(s, "b-name");
  ASSERT_TRUE(route) << s.dump(2);
  EXPECT_GE(route->at("connects").get<int64_t>(), 2) << s.dump(2);
  EXPECT_GE(route->at("reconnects").get<int64_t>(), 1) << s.dump(2);
  EXPECT_EQ(route->at("addr"), *b->client->published_addr());
  EXPECT_EQ(s["sent"]["messages"], 2);
}

TEST_P(metrics_test, stats_json_has_the_documented_fields) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = created("a-name", "a");
  ASSERT_TRUE(a);
  auto idle = stats_of(*a->client); // not running yet
  EXPECT_EQ(keys_of(idle), (std::set<std::string>{"client", "topic", "running", "sent", "delivered",
                                                  "refused_busy", "alo_unacked", "store", "routes"}));
  EXPECT_EQ(keys_of(idle["sent"]), (std::set<std::string>{"messages", "bytes"}));
  EXPECT_EQ(keys_of(idle["delivered"]), (std::set<std::string>{"messages", "bytes"}));
  EXPECT_EQ(keys_of(idle["store"]), (std::set<std::string>{"requests", "failures", "avg_us", "max_us"}));
  EXPECT_EQ(idle["running"], false);
  EXPECT_EQ(idle["routes"], json::array());

  ASSERT_TRUE(a->run());
  ASSERT_TRUE(a->send("b", "x"));
  ASSERT_TRUE(b->in.wait_for_count(1));
  auto s = stats_of(*a->client);
  auto route = route_to(s, "b-name");
  ASSERT_TRUE(route) << s.dump(2);
  EXPECT_EQ(keys_of(*route),
            (std::set<std::string>{"listener", "addr", "topics", "connected", "sent_messages",
                                   "sent_bytes", "queued", "alo_unacked", "acked", "refused_busy",
                                   "connects", "reconnects"}));
  // Every number is an unsigned integer, every flag a boolean.
  for (auto* field : {"refused_busy", "alo_unacked"})
    EXPECT_TRUE(s[field].is_number_unsigned()) << field;
  for (auto& [k, v] : route->items()) {
    if (k != "listener" && k != "addr" && k != "topics" && k != "connected") {
      EXPECT_TRUE(v.is_number_unsigned()) << k;
    }
  }
  EXPECT_TRUE(route->at("connected").is_boolean());
  // The documented order (readers may rely on it when they print it).
  EXPECT_EQ(a->client->stats_json().rfind(R"({"client":"a-name","topic":"a","running":true,"sent":)", 0),
            0u)
    << a->client->stats_json();
}

INSTANTIATE_TEST_SUITE_P(backends, metrics_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });

} // namespace
