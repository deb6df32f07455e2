// Durable mode across a SIGKILL (liner-peer processes on a SQLite file or a
// PostgreSQL schema): a sender that kills itself right after its last
// at-least-once send returned loses nothing. When it runs again, every
// message reaches the listener, in order, once.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <thread>

#include "support/peer_lines.hpp"
#include "support/peer_process.hpp"
#include "support/test_backends.hpp"

using namespace liner::test;
using namespace std::chrono_literals;

namespace {

constexpr int k = 3000;

class durable_test : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override { db = make_test_database(GetParam()); }

  std::unique_ptr<peer_process> start(const std::string& name, const std::string& topic,
                                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{LINER_PEER_BIN, "--name", name, "--topic", topic,
                                  "--" + db->kind(),
                                  db->location()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return start_until_ready(name, argv);
  }

  /// Starts s, sends msg-0 .. msg-<k-1> at least once to R in durable mode
  /// and lets it kill itself with SIGKILL as soon as the last send returned.
  void send_durably_and_die() {
    auto s = start("s", "S", {"--durable", "--send-to", "R", "--count", std::to_string(k),
                              "--alo", "--kill-after-send"});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->wait_exit(60s), 128 + SIGKILL) << dump(*s);
    ASSERT_TRUE(has_line(*s, "sent " + std::to_string(k), 0ms)) << dump(*s);
  }

  /// Rows of s -> r in the offline queue.
  int64_t stored() {
    auto ck = db->stored_connection_key("s", "S", "r");
    return ck ? db->queue_length(static_cast<int32_t>(*ck)) : 0;
  }

  /// Every message exactly once, in order (and nothing else).
  static void expect_all_once_in_order(const std::vector<long>& got) {
    std::map<long, int> seen;
    for (long n : got)
      ++seen[n];
    std::vector<long> lost, twice;
    for (long n = 0; n < k; ++n) {
      if (seen[n] == 0)
        lost.push_back(n);
      if (seen[n] > 1)
        twice.push_back(n);
    }
    EXPECT_TRUE(lost.empty()) << lost.size() << " lost, the first " << lost.front();
    EXPECT_TRUE(twice.empty()) << twice.size() << " twice, the first " << twice.front();
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(k)) << "numbers outside 0.." << k - 1;
    for (std::size_t i = 1; i < got.size(); ++i)
      ASSERT_LT(got[i - 1], got[i]) << "out of order at position " << i;
  }

  /// Waits until the restarted sender has nothing pending (every row acked).
  static bool drained(peer_process& s) {
    auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until)
      if (command(s, "pending") == "ok 0")
        return true;
      else
        std::this_thread::sleep_for(20ms); // the acks reach the store in batches
    return false;
  }

  std::unique_ptr<test_database> db;
};

} // namespace

// The listener crashed (its catalog row stays; nothing answers there): every
// durable send is in the store when it returns, so the killed sender's
// queue is complete, and it goes out once both run again.
TEST_P(durable_test, a_sender_killed_after_its_sends_to_a_crashed_listener_loses_nothing) {
  {
    auto r = start("r", "R");
    ASSERT_TRUE(r);
    // s must have met r once: a send goes to a listener it knows.
    auto hello = start("s", "S", {"--send-to", "R", "--payload-prefix", "hello-"});
    ASSERT_TRUE(hello);
    ASSERT_EQ(hello->wait_exit(), 0) << dump(*hello);
    ASSERT_TRUE(has_line(*r, "recv to=R from=S data=hello-0")) << dump(*r);
    r->kill(SIGKILL);
    ASSERT_EQ(r->wait_exit(), 128 + SIGKILL);
  }
  send_durably_and_die();
  EXPECT_GE(stored(), k) << "durable sends returned before their messages were in the store";

  auto r = start("r", "R");
  ASSERT_TRUE(r);
  auto s = start("s", "S");
  ASSERT_TRUE(s);
  ASSERT_TRUE(wait_received(*r, "R", "S", "msg-", range(k), 60s)) << dump(*r);
  ASSERT_TRUE(drained(*s)) << dump(*s);
  EXPECT_EQ(command(*s, "quit"), "ok");
  EXPECT_EQ(command(*r, "quit"), "ok");
  EXPECT_EQ(r->wait_exit(), 0);
  expect_all_once_in_order(received(r->lines(), "R", "S", "msg-"));
}

// The listener runs throughout: what it had not acknowledged when the
// sender died is in the store and comes after the sender's restart; the
// listener never sees a message twice.
TEST_P(durable_test, a_sender_killed_after_its_sends_to_a_running_listener_loses_nothing) {
  auto r = start("r", "R");
  ASSERT_TRUE(r);
  send_durably_and_die();
  auto s = start("s", "S");
  ASSERT_TRUE(s);
  ASSERT_TRUE(wait_received(*r, "R", "S", "msg-", range(k), 60s)) << dump(*r);
  ASSERT_TRUE(drained(*s)) << dump(*s);
  EXPECT_EQ(stored(), 0);
  EXPECT_EQ(command(*s, "quit"), "ok");
  EXPECT_EQ(command(*r, "quit"), "ok");
  EXPECT_EQ(r->wait_exit(), 0);
  expect_all_once_in_order(received(r->lines(), "R", "S", "msg-"));
}

INSTANTIATE_TEST_SUITE_P(backends, durable_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
