// A sender run again with at-least-once frames in its store queue: its
// restored route is offline until the replay of that queue is through.
// What it queues meanwhile (the client_connected announcement of run,
// best-effort, in the outbox; a new at-least-once message, numbered above
// it, kept for the replay) must not make it refuse the listener's ack of
// the new message. Real clients on a real store, over real TCP; a gate
// (tests/support/tcp_gate.hpp) in front of the listener holds the route in
// its authentication until the test has sent, so the order does not depend
// on timing.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "runtime/log.hpp"
#include "runtime/net_address.hpp"
#include "support/captured_log.hpp"
#include "support/client_helpers.hpp"
#include "support/metrics_helpers.hpp"
#include "support/tcp_gate.hpp"

using namespace liner;
using namespace liner::test;

namespace {

class restored_route_test : public client_fixture {
protected:
  void SetUp() override {
    client_fixture::SetUp();
    // The route waits in its authentication while the gate is closed: far
    // longer than the test needs, so a slow machine cannot end that wait.
    first_frame_timeout_ = Client::first_frame_timeout_ms();
    Client::set_first_frame_timeout_ms(120000);
    level_ = log::current_level();
    log::set_level(log::level::warn); // the refused ack is logged at warn
  }
  void TearDown() override {
    Client::set_first_frame_timeout_ms(first_frame_timeout_);
    log::set_level(level_);
  }

  /// A created peer with the shared secret, running.
  std::unique_ptr<peer> running_with_secret(std::unique_ptr<peer> p) {
    if (!p)
      return nullptr;
    if (!p->client->set_auth_secret("s3cret")) {
      ADD_FAILURE() << "set_auth_secret: " << p->error();
      return nullptr;
    }
    if (!p->run()) {
      ADD_FAILURE() << "run failed: " << p->error();
      return nullptr;
    }
    return p;
  }

  int64_t first_frame_timeout_ = 0;
  log::level level_ = log::level::warn;
};

} // namespace

TEST_P(restored_route_test, the_ack_of_a_message_sent_during_the_replay_is_applied) {
  captured_log captured;

  // One message acked, then the listener stops and the next one is stored
  // when the sender stops.
  {
    auto b = running("b-name", "b");
    ASSERT_TRUE(b);
    auto a = running("a-name", "a");
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->send("b", "one")) << a->error();
    ASSERT_TRUE(b->in.wait_for_data("one"));
    ASSERT_TRUE(b->client->stop());
    ASSERT_TRUE(a->send("b", "two")) << a->error();
    ASSERT_TRUE(a->client->stop());
    EXPECT_EQ(a->client->pending_count(), 1) << "\"two\" waits in the store";
  }

  // The listener comes back under its name, reached through the gate.
  tcp_gate gate;
  auto bound = "127.0.0.1:" + std::to_string(net::free_loopback_port());
  auto b = created("b-name", "b", bound);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->client->set_advertise_addr(gate.addr())) << b->error();
  b = running_with_secret(std::move(b));
  ASSERT_TRUE(b);

  // The sender runs again: its route to b is restored with the stored queue
  // (offline) and dials the gate; run announced client_connected to b on it.
  // "three" is sent before the route can replay.
  auto a = running_with_secret(created("a-name", "a"));
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send("b", "three")) << a->error();
  gate.open(bound);

  ASSERT_TRUE(b->in.wait_for_data("three")) << ::testing::PrintToString(b->in.payloads());
  EXPECT_EQ(b->in.payloads(), (std::vector<std::string>{"two", "three"}));
  EXPECT_TRUE(holds_nothing(*a->client)) << "the ack of \"three\" frees it; " << a->client->stats_json()
                                 << ", " << a->client->pending_count() << " stored";
  EXPECT_EQ(captured.count_containing("ignored an ack"), 0u)
    << captured.containing("ignored an ack");

  // Stopped and run again, the sender has nothing to send twice (a replayed
  // "three" would arrive before "four": one route delivers in order).
  ASSERT_TRUE(a->client->stop());
  EXPECT_EQ(a->client->pending_count(), 0);
  a.reset();
  auto a2 = running_with_secret(created("a-name", "a"));
  ASSERT_TRUE(a2);
  ASSERT_TRUE(a2->send("b", "four")) << a2->error();
  ASSERT_TRUE(b->in.wait_for_data("four")) << ::testing::PrintToString(b->in.payloads());
  EXPECT_EQ(b->in.payloads(), (std::vector<std::string>{"two", "three", "four"}))
    << "each message once";
  EXPECT_TRUE(holds_nothing(*a2->client));
  EXPECT_EQ(captured.count_containing("ignored an ack"), 0u)
    << captured.containing("ignored an ack");
}

INSTANTIATE_TEST_SUITE_P(backends, restored_route_test,
                         ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
