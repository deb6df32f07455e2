// liner::Client delivery and routing, several clients in one process on one
// store (a SQLite file or a PostgreSQL schema), each listening on an
// ephemeral port of 127.0.0.1. Behaviour contract: docs of liner 1.4.1
// (spec/liner-compat.md sections 2-4) plus our "Beyond liner" promises.
//
// Streams end with a marker message: messages on one route arrive in order,
// so once the marker is in, everything sent before it (duplicates included)
// has arrived too, and the received sequence can be compared exactly.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "support/client_helpers.hpp"
#include "support/raw_socket.hpp"

using namespace liner;
using namespace liner::test;

namespace {

class client_test : public client_fixture {};

std::vector<std::string> numbers(int from, int to, const std::string& prefix = "msg-") {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back(numbered(i, prefix));
  return out;
}

} // namespace

TEST_P(client_test, delivers_to_from_and_data_exactly) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b->client->subscribe("news")) << b->error();

  ASSERT_TRUE(a->send("b", "hello"));
  EXPECT_TRUE(succeeded(*a->client));
  std::string binary{"x\0y\xff\n", 5}; // NUL, high byte and newline survive
  ASSERT_TRUE(a->send("news", binary, false)) << a->error();
  // Above the default 1 MiB compression threshold: goes compressed on the wire.
  std::string big(2 * 1024 * 1024 + 3, ' ');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  ASSERT_TRUE(a->send("b", big)) << a->error();
  ASSERT_TRUE(b->in.wait_for_count(3)) << b->in.size() << " of 3 arrived";

  auto got = b->in.snapshot();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].to, "b");
  EXPECT_EQ(got[0].from, "a");
  EXPECT_EQ(got[0].data, "hello");
  EXPECT_EQ(got[1].to, "news"); // the subscribed topic, not b's own
  EXPECT_EQ(got[1].from, "a");
  EXPECT_EQ(got[1].data, binary);
  EXPECT_EQ(got[2].to, "b");
  EXPECT_TRUE(got[2].data == big) << "large payload of " << got[2].data.size() << " bytes differs";

  ASSERT_TRUE(b->send("a", "reply")) << b->error();
  ASSERT_TRUE(a->in.wait_for_count(1));
  auto back = a->in.snapshot();
  EXPECT_EQ(back[0].to, "a");
  EXPECT_EQ(back[0].from, "b");
  EXPECT_EQ(back[0].data, "reply");
}

TEST_P(client_test, keeps_fifo_order_per_sender_for_10000_messages) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  const int n = 10000;
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(a->send("b", numbered(i))) << "message " << i << ": " << a->error();
  ASSERT_TRUE(a->send("b", "end"));
  ASSERT_TRUE(b->in.wait_for_data("end")) << b->in.size() << " arrived";
  auto expected = numbers(0, n);
  expected.push_back("end");
  EXPECT_EQ(sequence_difference(b->in.payloads(), expected), "");
}

TEST_P(client_test, send_all_reaches_every_subscriber_once) {
  auto b = running("b-name", "b");
  auto c = running("c-name", "c");
  auto d = running("d-name", "d");
  ASSERT_TRUE(b && c && d);
  for (auto* p : {b.get(), c.get(), d.get()})
    ASSERT_TRUE(p->client->subscribe("fan")) << p->error();
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  ASSERT_TRUE(a->client->send_all("fan", "one", 3)) << a->error();
  ASSERT_TRUE(a->client->send_all("fan", "two", 3, false)) << a->error();
  ASSERT_TRUE(a->send("b", "end")); // marker on each route
  ASSERT_TRUE(a->send("c", "end"));
  ASSERT_TRUE(a->send("d", "end"));
  for (auto* p : {b.get(), c.get(), d.get()}) {
    ASSERT_TRUE(p->in.wait_for_data("end")) << p->client->unique_name();
    auto got = p->in.snapshot();
    ASSERT_EQ(got.size(), 3u) << p->client->unique_name();
    EXPECT_EQ(got[0].data, "one");
    EXPECT_EQ(got[0].to, "fan");
    EXPECT_EQ(got[0].from, "a");
    EXPECT_EQ(got[1].data, "two");
  }
}

TEST_P(client_test, send_to_alternates_over_replicas_of_a_topic) {
  auto r1 = running("r1-name", "r1");
  auto r2 = running("r2-name", "r2");
  ASSERT_TRUE(r1 && r2);
  ASSERT_TRUE(r1->client->subscribe("work"));
  ASSERT_TRUE(r2->client->subscribe("work"));
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(a->send("work", numbered(i))) << a->error();
  ASSERT_TRUE(a->send("r1", "end"));
  ASSERT_TRUE(a->send("r2", "end"));
  ASSERT_TRUE(r1->in.wait_for_data("end"));
  ASSERT_TRUE(r2->in.wait_for_data("end"));
  auto got1 = r1->in.payloads();
  auto got2 = r2->in.payloads();
  got1.pop_back();
  got2.pop_back();
  // Round robin: consecutive messages go to different replicas, so one gets
  // the even numbers and the other the odd ones (which one depends on ports).
  std::vector<std::string> even{"msg-0", "msg-2", "msg-4", "msg-6", "msg-8"};
  std::vector<std::string> odd{"msg-1", "msg-3", "msg-5", "msg-7", "msg-9"};
  EXPECT_TRUE((got1 == even && got2 == odd) || (got1 == odd && got2 == even))
    << "r1 got " << ::testing::PrintToString(got1) << ", r2 got " << ::testing::PrintToString(got2);
}

TEST_P(client_test, subscribe_and_unsubscribe_at_runtime) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  ASSERT_TRUE(b->client->subscribe("t")) << b->error();
  EXPECT_TRUE(b->client->subscribe("t")) << "subscribing twice is harmless";
  ASSERT_TRUE(a->send("t", "first")) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("first"));
  EXPECT_EQ(b->in.snapshot()[0].to, "t");

  ASSERT_TRUE(b->client->unsubscribe("t")) << b->error();
  EXPECT_FALSE(a->client->refresh_address_topic("t"));
  EXPECT_TRUE(failed_with(*a->client, error_code::no_addr, "not found addr for topic t"));
  // Right after the unsubscribe and the refresh, even at-least-once sends
  // must not find the old subscriber (liner's test contract, spec 3.3).
  EXPECT_FALSE(a->send("t", "lost", true));
  EXPECT_TRUE(failed_with(*a->client, error_code::no_addr, "not found addr for topic t"));
  EXPECT_FALSE(a->send("t", "lost", false));
  EXPECT_TRUE(failed_with(*a->client, error_code::no_addr, "not found addr for topic t"));

  ASSERT_TRUE(b->client->subscribe("t"));
  ASSERT_TRUE(a->client->refresh_address_topic("t")) << a->error();
  ASSERT_TRUE(a->send("t", "second")) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("second"));
  EXPECT_EQ(b->in.payloads(), (std::vector<std::string>{"first", "second"}));
  EXPECT_TRUE(b->client->unsubscribe("never-subscribed"));
}

TEST_P(client_test, refresh_address_topic_reports_whether_rows_exist) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = created("a-name", "a"); // the store is enough: works without run
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->client->refresh_address_topic("b")) << a->error();
  EXPECT_TRUE(succeeded(*a->client));
  EXPECT_FALSE(a->client->refresh_address_topic("nowhere"));
  EXPECT_TRUE(failed_with(*a->client, error_code::no_addr, "not found addr for topic nowhere"));

  auto rows = a->client->list_addresses("b");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].addr, *b->client->published_addr());
  EXPECT_EQ((*rows)[0].unique_name, "b-name");
}

// Sequential steps make "the sender keeps sending while the receiver is
// stopped" certain; the stop itself lands while messages are in flight.
TEST_P(client_test, at_least_once_survives_listener_stop_and_run) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  for (int i = 0; i < 500; ++i)
    ASSERT_TRUE(a->send("b", numbered(i))) << i << ": " << a->error();
  ASSERT_TRUE(b->in.wait_for_count(100));
  ASSERT_TRUE(b->client->stop());
  for (int i = 500; i < 1500; ++i) // receiver stopped: accepted and queued
    ASSERT_TRUE(a->send("b", numbered(i))) << i << ": " << a->error();
  ASSERT_TRUE(b->run()) << b->error(); // same identity, a new ephemeral port
  for (int i = 1500; i < 2000; ++i)
    ASSERT_TRUE(a->send("b", numbered(i))) << i << ": " << a->error();
  ASSERT_TRUE(a->send("b", "end"));

  ASSERT_TRUE(b->in.wait_for_data("end")) << b->in.size() << " arrived";
  auto expected = numbers(0, 2000);
  expected.push_back("end");
  EXPECT_EQ(sequence_difference(b->in.payloads(), expected), "")
    << "every message exactly once, in order";
}

TEST_P(client_test, at_least_once_survives_sender_stop_and_a_new_sender) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a1 = running("a-name", "a");
  ASSERT_TRUE(a1);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(a1->send("b", numbered(i)));
  ASSERT_TRUE(b->in.wait_for_count(10));

  ASSERT_TRUE(b->client->stop());
  for (int i = 10; i < 60; ++i)
    ASSERT_TRUE(a1->send("b", numbered(i))) << i << ": " << a1->error();
  ASSERT_TRUE(a1->client->stop());
  EXPECT_EQ(a1->client->pending_count(), 50) << "unacked messages for the absent peer are stored";
  auto by_peer = a1->client->pending_by_peer();
  ASSERT_TRUE(by_peer) << a1->error();
  int64_t total = 0;
  for (auto& e : *by_peer) {
    total += e.count;
    if (e.count > 0) {
      EXPECT_EQ(e.unique_name, "b-name");
    }
  }
  EXPECT_EQ(total, 50);
  a1.reset();

  auto a2 = created("a-name", "a"); // same identity, new object
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->client->pending_count(), 50);
  ASSERT_TRUE(a2->run()) << a2->error();
  ASSERT_TRUE(b->run()) << b->error();
  for (int i = 60; i < 70; ++i) // numbering must continue, or b drops these
    ASSERT_TRUE(a2->send("b", numbered(i))) << i << ": " << a2->error();
  ASSERT_TRUE(a2->send("b", "end"));

  ASSERT_TRUE(b->in.wait_for_data("end")) << b->in.size() << " arrived";
  auto expected = numbers(0, 70);
  expected.push_back("end");
  EXPECT_EQ(sequence_difference(b->in.payloads(), expected), "");
}

// A sender stopped and run again right after a delivery must number its
// next messages above what the listener already delivered; otherwise the
// listener drops them as duplicates (and acks them: silent loss).
TEST_P(client_test, a_sender_run_again_at_once_keeps_delivering) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    for (auto name : {"before-", "after-"}) {
      expected.push_back(numbered(i, name));
      ASSERT_TRUE(a->send("b", expected.back())) << a->error();
      ASSERT_TRUE(b->in.wait_for_data(expected.back()))
        << expected.back() << " never arrived; got " << ::testing::PrintToString(b->in.payloads());
      if (*name == 'b') {
        ASSERT_TRUE(a->client->stop());
        ASSERT_TRUE(a->run()) << a->error();
      }
    }
  }
  EXPECT_EQ(sequence_difference(b->in.payloads(), expected), "");
}

TEST_P(client_test, stores_at_least_once_messages_for_a_stopped_peer) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send("b", "msg-0"));
  ASSERT_TRUE(b->in.wait_for_data("msg-0"));
  ASSERT_TRUE(b->client->stop());

  // b's catalog rows are gone; at-least-once sends still find b through the
  // routes the sender remembers, and are accepted.
  for (int i = 1; i <= 25; ++i)
    ASSERT_TRUE(a->send("b", numbered(i))) << i << ": " << a->error();
  ASSERT_TRUE(a->client->stop());
  EXPECT_EQ(a->client->pending_count(), 25);
}

// Durable mode: each at-least-once send returns once its message is in the
// store, from several threads at once (they share transactions); then the
// listener gets them all, in each thread's order.
TEST_P(client_test, durable_sends_are_in_the_store_when_they_return) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = created("a-name", "a");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->client->durable());
  ASSERT_TRUE(a->client->set_durable(true)) << a->error();
  EXPECT_TRUE(a->client->durable());
  ASSERT_TRUE(a->run()) << a->error();
  EXPECT_FALSE(a->client->set_durable(false));
  EXPECT_EQ(a->client->last_error(), error_code::already_running);
  EXPECT_TRUE(a->client->durable());
  ASSERT_TRUE(a->send("b", "msg-0"));
  ASSERT_TRUE(b->in.wait_for_data("msg-0"));
  ASSERT_TRUE(b->client->stop());

  const int threads = 4, per_thread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        if (!a->send("b", numbered(i, "t" + std::to_string(t) + "-")))
          ++failures;
    });
  for (auto& s : senders)
    s.join();
  ASSERT_EQ(failures, 0) << a->error();
  // Counted in the store while the client still runs: nothing is waiting
  // in memory to be saved later.
  EXPECT_EQ(a->client->pending_count(), threads * per_thread);

  ASSERT_TRUE(a->send("b", "end"));
  ASSERT_TRUE(b->run());
  ASSERT_TRUE(b->in.wait_for_data("end")) << b->in.size() << " arrived";
  auto got = b->in.payloads();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(1 + threads * per_thread + 1));
  std::vector<int> next(threads, 0);
  for (std::size_t k = 1; k + 1 < got.size(); ++k) {
    int t = got[k][1] - '0';
    ASSERT_TRUE(t >= 0 && t < threads) << got[k];
    ASSERT_EQ(got[k], numbered(next[t]++, "t" + std::to_string(t) + "-")) << "position " << k;
  }
}

TEST_P(client_test, best_effort_messages_are_never_stored) {
  dead_address ghost; // a peer that went away, still in the catalog
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  db->add_catalog_row("gone", ghost.addr(), "ghost"); // the schema exists once a client opened the store
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(a->send("gone", numbered(i), false)) << i << ": " << a->error();
  ASSERT_TRUE(a->client->stop());
  EXPECT_EQ(a->client->pending_count(), 0);
}

TEST_P(client_test, reports_peer_events_for_related_topics) {
  auto c = running("c-name", "c");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->client->subscribe("news"));
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send("b", "hi")); // makes "b" a related topic of a
  ASSERT_TRUE(b->in.wait_for_data("hi"));
  ASSERT_TRUE(a->client->refresh_address_topic("news")); // and "news"

  ASSERT_TRUE(b->client->stop());
  auto gone = a->status.wait_for(status_kind::peer_disconnected, "b");
  ASSERT_TRUE(gone) << "events seen:\n" << a->status.describe();
  EXPECT_EQ(gone->peer, "b-name");
  EXPECT_EQ(gone->message, "client_disconnected");

  ASSERT_TRUE(b->run());
  auto back = a->status.wait_for(status_kind::peer_connected, "b");
  ASSERT_TRUE(back) << "events seen:\n" << a->status.describe();
  EXPECT_EQ(back->peer, "b-name");
  EXPECT_EQ(back->message, "client_connected");

  ASSERT_TRUE(b->client->subscribe("news"));
  auto sub = a->status.wait_for(status_kind::peer_subscribed, "news");
  ASSERT_TRUE(sub) << "events seen:\n" << a->status.describe();
  EXPECT_EQ(sub->peer, "b-name");
  EXPECT_EQ(sub->message, "subscribed");
}

// Callbacks may call back into their own client (the echo pattern); a
// thousand round trips entirely inside callbacks must not deadlock.
TEST_P(client_test, echo_from_inside_the_receive_callback_does_not_deadlock) {
  const int last = 1000;
  std::mutex mtx; // declared before the clients: they are destroyed first
  std::condition_variable cv;
  int highest = -1;
  std::string failure;
  auto a = created("a-name", "a");
  auto b = created("b-name", "b");
  ASSERT_TRUE(a && b);
  auto bounce = [&](peer& self, const std::string& other) {
    return [&, other](std::string_view, std::string_view from, const char* data, std::size_t size) {
      int n = std::stoi(std::string{data, size});
      bool ok = from == other && (n >= last || self.send(other, std::to_string(n + 1)));
      std::lock_guard<std::mutex> lock{mtx};
      if (!ok && failure.empty())
        failure = "at " + std::to_string(n) + " from '" + std::string{from} + "': " + self.error();
      highest = std::max(highest, n);
      cv.notify_all();
    };
  };
  ASSERT_TRUE(a->client->run(bounce(*a, "b"))) << a->error();
  ASSERT_TRUE(b->client->run(bounce(*b, "a"))) << b->error();
  ASSERT_TRUE(a->send("b", "0"));

  std::unique_lock<std::mutex> lock{mtx};
  bool done = cv.wait_for(lock, wait_deadline, [&] { return highest >= last || !failure.empty(); });
  EXPECT_TRUE(failure.empty()) << failure;
  EXPECT_TRUE(done) << "ping-pong stalled at " << highest;
}

TEST_P(client_test, concurrent_senders_keep_their_own_order) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  const int threads = 4, per_thread = 2500;
  std::atomic<int> failures{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        if (!a->send("b", numbered(i, "t" + std::to_string(t) + "-")))
          ++failures;
    });
  for (auto& s : senders)
    s.join();
  ASSERT_EQ(failures, 0) << a->error();
  ASSERT_TRUE(a->send("b", "end"));
  ASSERT_TRUE(b->in.wait_for_data("end")) << b->in.size() << " arrived";

  auto got = b->in.payloads();
  EXPECT_EQ(got.size(), static_cast<std::size_t>(threads * per_thread + 1));
  std::vector<int> next(threads, 0);
  for (std::size_t k = 0; k + 1 < got.size(); ++k) {
    int t = got[k][1] - '0';
    ASSERT_TRUE(t >= 0 && t < threads) << got[k];
    ASSERT_EQ(got[k], numbered(next[t]++, "t" + std::to_string(t) + "-")) << "position " << k;
  }
  for (int t = 0; t < threads; ++t)
    EXPECT_EQ(next[t], per_thread) << "thread " << t;
}

INSTANTIATE_TEST_SUITE_P(backends, client_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
