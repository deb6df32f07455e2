// route_state (actors/route.hpp) on its own, driven the way the route actor
// drives it: enqueue, replay_frames, take_outbox, apply_ack. No actor, no
// socket, no store.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/route.hpp"

using namespace liner;

namespace {

constexpr int32_t ck = 7;
constexpr int32_t topic = 3;

// A stored frame as the store gives it back (number, bytes, row id).
queued_frame stored_frame(uint64_t number, int64_t id, const std::string& data) {
  byte_buffer bytes;
  encode_frame(bytes, {number, ck, topic, frame_flags::at_least_once}, data.data(), data.size());
  return {number, std::move(bytes), id, false};
}

uint64_t enqueue(route_state& r, const std::string& data, bool at_least_once) {
  bool wake = false;
  uint64_t number = 0;
  EXPECT_EQ(r.enqueue(topic, data.data(), data.size(), at_least_once, when_full::queue, wake, &number),
            enqueue_result::ok);
  return number;
}

std::vector<uint64_t> numbers_of(const std::vector<queued_frame>& frames) {
  std::vector<uint64_t> out;
  for (auto& f : frames)
    out.push_back(f.number);
  return out;
}

} // namespace

// A route restored at run with message 2 stored (message 1 acked): it is
// offline until its replay is through. Meanwhile a best-effort frame (run's
// client_connected announcement) waits in the outbox as 3, and an
// at-least-once send is numbered 4 and kept for the replay. The replay
// writes 2 and 4, then the outbox writes 3: the listener's ack of 4 is the
// ack of a message the route did write, and frees it.
TEST(route_state, an_ack_of_a_frame_the_replay_wrote_before_the_outbox_is_applied) {
  route_state r{"127.0.0.1:1", ck, "b-name", "b", 2, true};
  ASSERT_TRUE(r.offline());
  EXPECT_EQ(enqueue(r, "client_connected", false), 3u);
  EXPECT_EQ(enqueue(r, "three", true), 4u);

  std::vector<queued_frame> page;
  page.push_back(stored_frame(2, 11, "two"));
  auto written = r.replay_frames(std::move(page), 0, UINT64_MAX, true);
  EXPECT_EQ(numbers_of(written), (std::vector<uint64_t>{2, 4}));
  EXPECT_FALSE(r.offline());
  EXPECT_FALSE(r.take_outbox().empty()); // frame 3, written after the replay
  EXPECT_EQ(r.written(), 4u) << "the highest number written never goes down";

  auto freed = r.apply_ack(4);
  ASSERT_TRUE(freed) << "the ack of 4 was refused";
  EXPECT_EQ(*freed, 11) << "the row of 2 is covered";
  EXPECT_EQ(r.acked(), 4u);
  EXPECT_EQ(r.load().alo_unacked, 0u);
  EXPECT_EQ(r.unsaved_count(), 0u);
}

// An ack above anything the route ever wrote is still refused, and changes
// nothing: forged, or written into the store by someone else.
TEST(route_state, an_ack_above_anything_written_is_refused) {
  route_state r{"127.0.0.1:1", ck, "b-name", "b", 2, true};
  enqueue(r, "client_connected", false);
  enqueue(r, "three", true);
  r.replay_frames({}, 0, UINT64_MAX, true);
  r.take_outbox();
  EXPECT_FALSE(r.apply_ack(5));
  EXPECT_FALSE(r.apply_ack(1000));
  EXPECT_EQ(r.acked(), 0u);
  EXPECT_EQ(r.load().alo_unacked, 1u);
  enqueue(r, "queued, not written yet", true); // 5: in the outbox, not taken
  EXPECT_FALSE(r.apply_ack(5)) << "not written yet";
  EXPECT_TRUE(r.apply_ack(4));
  EXPECT_EQ(r.load().alo_unacked, 1u);
}

// Online, the outbox is taken in number order: written() follows it.
TEST(route_state, written_follows_the_outbox) {
  route_state r{"127.0.0.1:1", ck, "b-name", "b", 0, false};
  r.replay_frames({}, 0, UINT64_MAX, true);
  EXPECT_EQ(enqueue(r, "a", true), 1u);
  EXPECT_EQ(enqueue(r, "b", false), 2u);
  EXPECT_EQ(r.written(), 0u);
  EXPECT_FALSE(r.apply_ack(1)) << "not written yet";
  EXPECT_FALSE(r.take_outbox().empty());
  EXPECT_EQ(r.written(), 2u);
  EXPECT_TRUE(r.apply_ack(2));
  EXPECT_EQ(r.load().alo_unacked, 0u);
}
