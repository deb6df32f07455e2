// liveness on its own (runtime/liveness.hpp): when a heartbeat is due, when
// a peer counts as silent, and what a hello or heartbeat frame announces.
#include <gtest/gtest.h>

#include <string>

#include "runtime/liveness.hpp"

using namespace liner;
using namespace std::chrono_literals;

namespace {

const liveness::clock::time_point t0 = liveness::clock::time_point{} + 1000s;

std::optional<std::chrono::milliseconds> announced(const std::string& s) {
  return announced_heartbeat(s.data(), s.size());
}

} // namespace

TEST(liveness, a_peer_that_never_spoke_heartbeats_is_never_silent_and_gets_none) {
  liveness l;
  l.start(t0, std::nullopt);
  EXPECT_FALSE(l.negotiated());
  EXPECT_FALSE(l.silent(t0 + 24h, 100ms)); // Rust liner: TCP keepalive's job
  EXPECT_FALSE(l.heartbeat_due(t0 + 24h, 10ms));
}

TEST(liveness, once_negotiated_silence_past_the_limit_counts) {
  liveness l;
  l.start(t0, std::nullopt);
  l.peer_speaks(100ms);
  EXPECT_TRUE(l.negotiated());
  EXPECT_FALSE(l.silent(t0 + 500ms, 500ms));
  EXPECT_TRUE(l.silent(t0 + 501ms, 500ms));
  l.heard(t0 + 400ms);
  EXPECT_FALSE(l.silent(t0 + 900ms, 500ms));
  EXPECT_TRUE(l.silent(t0 + 901ms, 500ms));
}

TEST(liveness, the_limit_is_at_least_three_of_the_peers_intervals) {
  liveness l;
  l.start(t0, std::nullopt);
  l.peer_speaks(2s); // a peer configured to beat less often than our timeout allows
  EXPECT_EQ(l.limit(1s), 6s);
  EXPECT_FALSE(l.silent(t0 + 5s, 1s));
  EXPECT_TRUE(l.silent(t0 + 6001ms, 1s));
  EXPECT_EQ(l.limit(10s), 10s);
}

TEST(liveness, a_peer_known_from_an_earlier_stream_is_watched_from_the_start) {
  liveness l;
  l.start(t0, 100ms); // it answered on the last stream; frozen before answering this one
  EXPECT_FALSE(l.negotiated()); // so no heartbeat goes to it yet
  EXPECT_FALSE(l.heartbeat_due(t0 + 1s, 10ms));
  EXPECT_TRUE(l.silent(t0 + 501ms, 500ms));
}

TEST(liveness, a_new_stream_forgets_what_the_last_one_negotiated) {
  liveness l;
  l.start(t0, std::nullopt);
  l.peer_speaks(100ms);
  l.start(t0 + 1s, std::nullopt); // e.g. another listener at this address now
  EXPECT_FALSE(l.negotiated());
  EXPECT_FALSE(l.silent(t0 + 1h, 500ms));
}

TEST(liveness, a_heartbeat_is_due_after_an_idle_interval_once_negotiated) {
  liveness l;
  l.start(t0, std::nullopt);
  l.peer_speaks(1s);
  EXPECT_FALSE(l.heartbeat_due(t0 + 99ms, 100ms));
  EXPECT_TRUE(l.heartbeat_due(t0 + 100ms, 100ms));
  l.wrote(t0 + 100ms);
  EXPECT_FALSE(l.heartbeat_due(t0 + 150ms, 100ms));
  EXPECT_TRUE(l.heartbeat_due(t0 + 200ms, 100ms));
  EXPECT_FALSE(l.heartbeat_due(t0 + 1h, 0ms)); // ours off: none written
}

TEST(liveness, the_tick_is_half_the_interval_at_most_a_quarter_of_the_timeout_at_least_5_ms) {
  EXPECT_EQ(liveness::tick(2000ms, 10000ms), 1000ms);
  EXPECT_EQ(liveness::tick(2000ms, 2000ms), 500ms);
  EXPECT_EQ(liveness::tick(0ms, 10000ms), 2500ms);
  EXPECT_EQ(liveness::tick(10ms, 100ms), 5ms);
  EXPECT_EQ(liveness::tick(1ms, 1ms), 5ms);
}

TEST(liveness, hellos_and_answers_announce_a_whole_positive_interval) {
  EXPECT_EQ(announced(heartbeat_answer(250ms)), 250ms);
  EXPECT_EQ(announced(R"({"acks":true,"epoch":7,"first":1,)" + heartbeat_member(2000ms)
                      + R"(,"liner_caf":1})"),
            2000ms);
  EXPECT_FALSE(announced(R"({"acks":true,"epoch":7,"first":1,"liner_caf":1})")); // an older peer
  EXPECT_FALSE(announced(""));                   // a plain heartbeat
  EXPECT_FALSE(announced(R"({"heartbeat":0})"));
  EXPECT_FALSE(announced(R"({"heartbeat":-5})"));
  EXPECT_FALSE(announced(R"({"heartbeat":1.5})"));
  EXPECT_FALSE(announced(R"({"heartbeat":"100"})"));
  EXPECT_FALSE(announced(R"({"heartbeat":86400001})")); // above a day
  EXPECT_FALSE(announced(R"([100])"));
  EXPECT_FALSE(announced("\x01garbage{"));
  EXPECT_FALSE(announced(std::string(5000, ' ') + heartbeat_answer(10ms))); // oversized
}
