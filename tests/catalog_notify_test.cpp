// Instant discovery: on PostgreSQL the catalog's triggers NOTIFY every change
// to topic_addr and running clients LISTEN; on Redis the server's keyspace
// notifications (scripts/redis enables them: Kh) and the stores' own PUBLISH
// play that part. So a change made by anyone (SQL or redis-cli by hand here,
// as an operator's tool or a Rust liner peer would make it) reaches a
// sender's address cache without any peer announcing it.
//
// Each test changes the catalog behind a running sender's back and then
// probes: batches of numbered messages to the topic, until a batch lands
// where the new catalog says. Without the feed the sender keeps its old
// cache and the wait runs into its deadline.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "support/client_helpers.hpp"
#include "support/redis_server.hpp"

using namespace liner;
using namespace liner::test;

namespace {

class catalog_notify_test : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override { db = make_test_database(GetParam()); }

  // Names unique to this process: the tests find the feed's connection by
  // its application name, and other tests may run beside this one.
  static std::string name(const std::string& base) {
    return base + "-" + std::to_string(::getpid());
  }

  std::unique_ptr<peer> running(const std::string& base, const std::string& topic) {
    auto p = make_peer(*db, name(base), topic);
    if (p && !p->run()) {
      ADD_FAILURE() << base << ": run failed: " << p->error();
      return nullptr;
    }
    return p;
  }

  // A receiver counting into `counts` (index `i`), one condition variable
  // for both receivers of a test.
  std::unique_ptr<peer> receiving(const std::string& base, const std::string& topic, int i) {
    auto p = make_peer(*db, name(base), topic);
    if (p && !p->client->run([this, i](std::string_view, std::string_view, const char*,
                                       std::size_t) {
          {
            std::lock_guard<std::mutex> lock{mtx};
            ++counts[i];
          }
          cv.notify_all();
        })) {
      ADD_FAILURE() << base << ": run failed: " << p->error();
      return nullptr;
    }
    return p;
  }

  // Sends batches of 4 at-least-once messages to `topic` until a batch has
  // arrived whole (each probe once, at one of the two receivers) and
  // `landed(at receiver 0, at receiver 1)` holds for it; false at the deadline.
  bool probe_until(peer& sender, const std::string& topic,
                   const std::function<bool(int, int)>& landed) {
    constexpr int batch = 4;
    auto deadline = std::chrono::steady_clock::now() + wait_deadline;
    for (int round = 0; std::chrono::steady_clock::now() < deadline; ++round) {
      int before[2];
      {
        std::lock_guard<std::mutex> lock{mtx};
        before[0] = counts[0];
        before[1] = counts[1];
      }
      for (int i = 0; i < batch; ++i)
        if (!sender.send(topic, "probe-" + std::to_string(round) + "-" + std::to_string(i)))
          return false;
      std::unique_lock<std::mutex> lock{mtx};
      if (!cv.wait_until(lock, deadline, [&] {
            return counts[0] - before[0] + counts[1] - before[1] >= batch;
          }))
        return false;
      if (landed(counts[0] - before[0], counts[1] - before[1]))
        return true;
    }
    return false;
  }

  // Waits until `base` has `n` feed connections in the server's view
  // (polled: nothing notifies about pg_stat_activity or CLIENT LIST).
  int64_t wait_for_feeds(const std::string& base, int64_t n) {
    return db->wait_for_catalog_feeds(name(base), n);
  }

  void delete_b2_row() { db->delete_catalog_rows("t", name("b2")); }

  void insert_b2_row(const std::string& addr) { db->add_catalog_row("t", addr, name("b2")); }

  // b1 and b2 serve t; b2's row is deleted behind everyone's back before
  // the sender a starts, so a sends to b1 only. Returns b2's address.
  std::string sender_that_knows_b1_only() {
    b1 = receiving("b1", "t", 0);
    b2 = receiving("b2", "t", 1);
    if (!b1 || !b2 || !b2->client->published_addr())
      return {};
    delete_b2_row();
    a = running("a", "a");
    if (!a || !probe_until(*a, "t", [](int n1, int n2) { return n1 == 4 && n2 == 0; }))
      return {};
    return *b2->client->published_addr();
  }

  // b1 and b2 serve t, the sender a uses both; b2's row is deleted by hand
  // and a must stop sending there.
  void deleted_row_stops_the_sends() {
    b1 = receiving("b1", "t", 0);
    b2 = receiving("b2", "t", 1);
    a = running("a", "a");
    ASSERT_TRUE(b1 && b2 && a);
    // Round robin over both: the sender caches both addresses.
    ASSERT_TRUE(probe_until(*a, "t", [](int n1, int n2) { return n1 > 0 && n2 > 0; }));
    delete_b2_row();
    EXPECT_TRUE(probe_until(*a, "t", [](int n1, int n2) { return n1 == 4 && n2 == 0; }))
      << "the sender still sends to the deleted address";
  }

  std::unique_ptr<test_database> db;
  std::mutex mtx;
  std::condition_variable cv;
  int counts[2] = {0, 0};
  std::unique_ptr<peer> b1, b2, a; // after what their callbacks touch
};

TEST_P(catalog_notify_test, a_row_deleted_by_hand_stops_the_sends_to_that_address) {
  deleted_row_stops_the_sends();
}

TEST_P(catalog_notify_test, a_row_inserted_by_hand_is_used_without_any_announcement) {
  auto b2_addr = sender_that_knows_b1_only();
  ASSERT_FALSE(b2_addr.empty());
  insert_b2_row(b2_addr);
  EXPECT_TRUE(probe_until(*a, "t", [](int, int n2) { return n2 > 0; }))
    << "the sender never used the inserted address";
}

TEST_P(catalog_notify_test, the_feed_comes_back_after_its_connection_is_killed) {
  auto b2_addr = sender_that_knows_b1_only();
  ASSERT_FALSE(b2_addr.empty());
  // The server ends the sender's feed connection (as a restart or an
  // operator would); the sender opens a new one by itself.
  ASSERT_EQ(wait_for_feeds("a", 1), 1);
  EXPECT_EQ(db->kill_catalog_feeds(name("a")), 1);
  insert_b2_row(b2_addr);
  EXPECT_TRUE(probe_until(*a, "t", [](int, int n2) { return n2 > 0; }))
    << "a change made while the feed was down never reached the sender";
  EXPECT_EQ(wait_for_feeds("a", 1), 1) << "the feed did not reconnect";
}

TEST_P(catalog_notify_test, each_client_listens_once_and_stops_listening_at_stop) {
  a = running("a", "a");
  ASSERT_TRUE(a);
  EXPECT_EQ(wait_for_feeds("a", 1), 1);
  ASSERT_TRUE(a->client->stop());
  EXPECT_EQ(wait_for_feeds("a", 0), 0);
}

INSTANTIATE_TEST_SUITE_P(backends, catalog_notify_test, ::testing::Values("postgres", "redis"),
                         [](const auto& info) { return info.param; });

// A Redis that sends no keyspace notifications (its default): the feed
// hears only liner-caf's own PUBLISHes, so the client falls back to
// refreshing its cached topics every second, and a row deleted by hand
// still stops the sends to that address. A private server: its settings
// are changed here.
class catalog_poll_fallback_test : public catalog_notify_test {};

TEST_P(catalog_poll_fallback_test, a_row_deleted_by_hand_is_noticed_without_keyspace_notifications) {
  redis_server server{LINER_REDIS_SCRIPT};
  server.start();
  db = make_redis_database(server.url());
  db->command({"CONFIG", "SET", "notify-keyspace-events", ""});
  deleted_row_stops_the_sends();
  a.reset();
  b2.reset();
  b1.reset();
  db.reset(); // before its server
}

INSTANTIATE_TEST_SUITE_P(redis, catalog_poll_fallback_test, ::testing::Values("redis"),
                         [](const auto& info) { return info.param; });

} // namespace
