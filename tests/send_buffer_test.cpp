// The send buffer (knobs::send_buffer, knobs::send_timeout): the bytes one
// route holds unwritten are bounded. Two clients in one process; the
// receiver's callback stalls on a gate, so its listener stops reading, TCP
// fills and the sender's route cannot write. Then a send waits for room
// (at most the send timeout) and fails with error_code::busy; nothing it
// accepted is lost once the gate opens. Assertions are on outcomes (accepted
// counts, busy, everything accepted delivered in order), never on speed.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "support/client_helpers.hpp"

using namespace liner;
using namespace liner::test;

namespace {

// Holds every receive callback until opened.
class gate {
public:
  void wait() {
    std::unique_lock<std::mutex> lock{m_};
    cv_.wait(lock, [&] { return open_; });
  }
  void open() {
    {
      std::lock_guard<std::mutex> guard{m_};
      open_ = true;
    }
    cv_.notify_all();
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

class send_buffer_test : public client_fixture {
protected:
  /// Restores the send buffer and timeout (knob_guard keeps the others).
  struct restore {
    std::size_t buffer = Client::send_buffer();
    int64_t timeout = Client::send_timeout_ms();
    ~restore() {
      Client::set_send_buffer(buffer);
      Client::set_send_timeout_ms(timeout);
    }
  } restore_;

  /// A running receiver "b" whose callback waits for `g` before recording.
  std::unique_ptr<peer> stalled_receiver(gate& g) {
    auto b = created("b-name", "b");
    if (!b)
      return nullptr;
    auto record = b->in.callback();
    bool ran = b->client->run([&g, record](std::string_view to, std::string_view from,
                                           const char* data, std::size_t size) {
      g.wait();
      record(to, from, data, size);
    });
    if (!ran) {
      ADD_FAILURE() << "b: run failed: " << b->error();
      return nullptr;
    }
    return b;
  }

  /// Sends `count` numbered 64 KiB best-effort messages (the number first)
  /// until the first refusal; returns how many were accepted.
  static int send_until_refused(peer& a, int count) {
    std::string payload(64 * 1024, 'x');
    for (int i = 0; i < count; ++i) {
      auto n = numbered(i);
      payload.replace(0, n.size() + 1, n + ";");
      if (!a.send("b", payload, false))
        return i;
    }
    return count;
  }
};

std::string number_of(const std::string& data) {
  return data.substr(0, data.find(';'));
}

} // namespace

// 1 GiB offered into a stalled peer: the sender accepts what the buffers
// hold (the send buffer, two socket chunks, the kernel's and the listener's
// buffers), then a send waits the timeout and fails busy; the accepted ones
// all arrive, in order, once the peer reads again.
TEST_P(send_buffer_test, a_stalled_peer_bounds_what_is_accepted_then_sends_fail_busy) {
  Client::set_send_buffer(4 * 1024 * 1024);
  Client::set_send_timeout_ms(200);
  gate g;
  auto b = stalled_receiver(g);
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  int accepted = send_until_refused(*a, 16384);
  EXPECT_LT(accepted, 16384) << "every send was accepted: the send buffer bounds nothing";
  EXPECT_EQ(a->client->last_error(), error_code::busy) << a->error();
  EXPECT_TRUE(a->status.wait_for_text(status_kind::sender_busy, "send queue full"))
    << "no LNR_SENDER_BUSY event";
  // What TCP and the listener hold is the kernel's business; the sender's
  // own part is the send buffer. Far below the 1 GiB offered, in any case.
  EXPECT_LT(accepted, 1024) << "accepted " << accepted << " messages of 64 KiB";

  g.open();
  Client::set_send_timeout_ms(60 * 1000); // room comes once b reads again
  ASSERT_TRUE(a->send("b", "end", false)) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("end")) << b->in.size() << " of " << accepted << " arrived";
  auto got = b->in.snapshot();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(accepted) + 1);
  for (int i = 0; i < accepted; ++i)
    ASSERT_EQ(number_of(got[i].data), numbered(i)) << "at position " << i;
}

// With the send buffer off (liner's behaviour) the same sends are all
// accepted: the route queues whatever it is given.
TEST_P(send_buffer_test, zero_means_unlimited_as_in_liner) {
  Client::set_send_buffer(0);
  gate g;
  auto b = stalled_receiver(g);
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  EXPECT_EQ(send_until_refused(*a, 1024), 1024) << a->error(); // 64 MiB queued
  g.open();
  ASSERT_TRUE(b->in.wait_for_count(1024)) << b->in.size() << " of 1024 arrived";
}

// The send buffer bounds what waits for a socket, not what waits for the
// store: while the listener is away, at-least-once sends are saved (as in
// liner), so 32 times the send buffer is accepted without a refusal and
// all of it arrives, in order, once the listener runs again.
TEST_P(send_buffer_test, at_least_once_sends_to_a_stopped_listener_are_saved_not_refused) {
  Client::set_send_buffer(256 * 1024);
  Client::set_send_timeout_ms(200);
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send("b", "hello", true)) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("hello"));
  ASSERT_TRUE(b->client->stop()) << b->error();

  const int count = 2048; // of 4 KiB: 8 MiB
  std::string payload(4 * 1024, 'x');
  for (int i = 0; i < count; ++i) {
    auto n = numbered(i);
    payload.replace(0, n.size() + 1, n + ";");
    ASSERT_TRUE(a->send("b", payload, true)) << "send " << i << ": " << a->error();
  }
  ASSERT_TRUE(b->client->run(b->in.callback())) << b->error();
  ASSERT_TRUE(b->in.wait_for_count(count + 1)) << b->in.size() - 1 << " of " << count << " arrived";
  auto got = b->in.snapshot();
  for (int i = 0; i < count; ++i)
    ASSERT_EQ(number_of(got[i + 1].data), numbered(i)) << "at position " << i;
}

// A send from inside a receive callback never waits for room (the route it
// would wait on may need that very thread): it fails busy at once. Here b's
// callback sends to c, whose callback is stalled, so b's route to c fills.
TEST_P(send_buffer_test, a_callback_gets_busy_instead_of_waiting) {
  Client::set_send_buffer(1024 * 1024);
  Client::set_send_timeout_ms(60 * 60 * 1000); // an hour: a wait would hang the test
  gate g;
  auto c = created("c-name", "c");
  ASSERT_TRUE(c);
  auto record_c = c->in.callback();
  ASSERT_TRUE(c->client->run([&g, record_c](std::string_view to, std::string_view from,
                                            const char* data, std::size_t size) {
    g.wait();
    record_c(to, from, data, size);
  })) << c->error();

  // Declared before b: b's callback uses them until b is gone.
  std::mutex m;
  std::condition_variable cv;
  int forwarded = 0;
  bool refused = false;
  error_code refusal = error_code::ok;
  auto b = created("b-name", "b");
  ASSERT_TRUE(b);
  Client* bc = b->client.get();
  ASSERT_TRUE(b->client->run([&](std::string_view, std::string_view, const char* data,
                                 std::size_t size) {
    bool ok = bc->send_to("c", data, size, false);
    std::lock_guard<std::mutex> guard{m};
    if (ok) {
      ++forwarded;
    } else if (!refused) {
      refused = true;
      refusal = bc->last_error();
    }
    cv.notify_all();
  })) << b->error();
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  std::string payload(64 * 1024, 'y');
  bool seen = false;
  for (int i = 0; i < 16384 && !seen; ++i) {
    ASSERT_TRUE(a->send("b", payload, false)) << a->error();
    std::lock_guard<std::mutex> guard{m};
    seen = refused;
  }
  {
    std::unique_lock<std::mutex> lock{m};
    EXPECT_TRUE(cv.wait_for(lock, wait_deadline, [&] { return refused; }))
      << "b's callback was never refused after forwarding " << forwarded;
  }
  EXPECT_EQ(refusal, error_code::busy);
  g.open();
}

INSTANTIATE_TEST_SUITE_P(backends, send_buffer_test, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });
