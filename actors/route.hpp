// One outbound route: everything a sender keeps for one destination address.
// Senders (any thread) number and encode frames straight into the outbox;
// the route actor writes the outbox to the socket and keeps at-least-once
// frames until an ack covers them.
#pragma once

#include <caf/actor.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/frame_codec.hpp"
#include "runtime/outbox.hpp"

namespace liner {

/// The wire markers of the protocol extension (docs/delivery.md, "Protocol
/// extension"): a hello opens each stream, acks come back on it, and
/// heartbeats (runtime/liveness.hpp) go both ways once the hello
/// negotiated them. (-3 is the handshake's, auth::topic_key.) Rust liner
/// never sends any and drops them all (number 0, unknown topic keys).
inline constexpr int32_t hello_topic_key = -1;
inline constexpr int32_t ack_topic_key = -2;
inline constexpr int32_t heartbeat_topic_key = -4;

struct queued_frame {
  uint64_t number = 0;
  byte_buffer bytes;    // the whole frame
  int64_t store_id = 0; // row in conn_messages, 0 while only in memory
  bool saving = false;  // in the save request in flight
};

enum class enqueue_result { ok, busy, closed };

/// What a send does when its route's outbox holds knobs::send_buffer() bytes.
enum class when_full {
  wait,   // for room, at most knobs::send_timeout(); then busy
  refuse, // busy at once (a callback thread: the route may need it to drain)
  queue,  // queue anyway (the internal channel's few small events)
};

/// The counters of one route (docs/cpp-api.md, "Metrics"). Senders bump
/// them with relaxed atomic adds, the route actor sets the connection ones;
/// readers (stats_json, any thread) take no lock. Only the user's messages
/// count (send_to, send_all, relayed rows), not the internal channel's.
struct route_stats {
  std::atomic<uint64_t> sent_messages{0}; // accepted for sending (one per copy)
  std::atomic<uint64_t> sent_bytes{0};    // their payload bytes, as given to the send
  std::atomic<uint64_t> refused_busy{0};  // sends refused with LNR_ERR_BUSY
  std::atomic<uint64_t> connects{0};      // streams established (TCP connected)
  std::atomic<uint64_t> reconnects{0};    // connect attempts after the first one
  std::atomic<bool> connected{false};     // a stream is up now

  /// Counts one send's outcome (the hot path: one or two relaxed adds).
  void count_send(enqueue_result r, std::size_t payload_bytes) {
    if (r == enqueue_result::ok) {
      sent_messages.fetch_add(1, std::memory_order_relaxed);
      sent_bytes.fetch_add(payload_bytes, std::memory_order_relaxed);
    } else if (r == enqueue_result::busy) {
      refused_busy.fetch_add(1, std::memory_order_relaxed);
    }
  }
};

/// What a route holds at one moment (read under its mutex).
struct route_load {
  std::size_t queued = 0;      // frames in the outbox, not yet taken to be written
  std::size_t alo_unacked = 0; // at-least-once frames in memory waiting for an ack
  uint64_t acked = 0;          // the highest number acked
};

class route_state {
public:
  /// `queue_in_store`: the store may hold frames of this route already.
  /// `durable`: every at-least-once frame is saved at once, online too
  /// (the client's durable mode); senders wait for it with wait_saved().
  route_state(std::string addr, int32_t ck, std::string listener_name, std::string first_topic,
              uint64_t counter, bool queue_in_store, bool durable = false);

  /// Where the listener is reached now; it moves when the listener comes
  /// back at another address (the route follows its unique name).
  std::string addr() const;
  void set_addr(std::string a);
  const int32_t ck;
  const std::string listener_name;
  const std::string first_topic; // liner's "route topic" in status events
  const uint64_t epoch;          // random id of this route incarnation
  const uint64_t first_number;   // the first number it assigns
  const bool durable;            // see the constructor

  /// Numbers and queues one message. `wake` tells the caller to ring the
  /// route actor (only when the outbox was empty: one message per batch).
  /// `full` says what happens when the outbox holds knobs::send_buffer() bytes.
  /// `number` (if given) receives the message's number. `save`: an
  /// at-least-once frame is saved at once, online too (as in durable mode),
  /// so the caller can wait_saved() for it.
  enqueue_result enqueue(int32_t topic_key, const char* data, std::size_t size, bool at_least_once,
                         when_full full, bool& wake, uint64_t* number = nullptr,
                         bool save = false);
  /// Frames queued online wait to be saved at once (durable mode, or a
  /// `save` enqueue): the route actor saves them.
  bool save_wanted() const;
  /// Durable mode: waits until the at-least-once frame `number` is in the
  /// store (or acked: delivered already), at most until `deadline`.
  bool wait_saved(uint64_t number, std::chrono::steady_clock::time_point deadline);

  /// The route actor takes the oldest chunk of queued frames, to write it
  /// (empty if none). When more stay queued, the route comes back for them
  /// without a wake (it does when the socket took the chunk).
  byte_buffer take_outbox();
  /// Whether at-least-once frames wait for an ack.
  bool waiting_for_ack() const;
  /// Drops frames covered by `number`; returns the highest store id dropped
  /// (0 if none). An ack above the highest number this route ever wrote
  /// (this run, or before it restarted) changes nothing: nullopt.
  std::optional<int64_t> apply_ack(uint64_t number);
  uint64_t acked() const;
  /// The highest number written to (or queued for) the stream so far.
  uint64_t written() const;
  /// The stream is gone: best-effort frames not written yet are dropped (as
  /// in liner); at-least-once frames stay in memory until they are acked or
  /// safely in the store, and frames that are in the store leave memory (the
  /// next replay reads them back).
  void stream_lost();
  /// From stream_lost() (or from the start, with a stored queue) until the
  /// last page of the next replay, the route is offline: at-least-once
  /// frames skip the outbox, count as taken and wait in memory for the
  /// route actor to save them (send_buffer() bounds the bytes not saved yet).
  bool offline() const;

  /// The listener could not be reached or went silent (the last stream was
  /// lost or the last connect failed), and has not been heard from since.
  /// A send_to on a topic with other addresses passes it by (router).
  /// Set and cleared by the route actor; read by senders without a lock.
  bool unreachable() const { return unreachable_.load(std::memory_order_relaxed); }
  void set_unreachable(bool u) { unreachable_.store(u, std::memory_order_relaxed); }
  /// Copies of the at-least-once frames above the ack that only memory
  /// holds, marked as being saved; empty if none. One save at a time: the
  /// route actor calls it again only after end_save.
  std::vector<byte_buffer> begin_save();
  /// The save ended: on success (`ids`: their new rows, in order) its
  /// frames leave memory while the route is offline (the store has them);
  /// online they may be on the stream already, so they stay until acked,
  /// with their rows, which the ack then deletes. On failure (nullptr) they
  /// stay, to be saved again. Returns the last row of frames acked while
  /// they were being saved (0 if none): the caller deletes up to it.
  int64_t end_save(const std::vector<int64_t>* ids);
  /// At-least-once frames above the ack that only memory holds.
  std::size_t unsaved_count() const;
  /// Whether the store may hold frames of this route (then a replay must
  /// read them before anything newer is written).
  bool queue_in_store() const;
  /// For a replay after connecting, one page at a time: `stored` (a page
  /// read back from the store) and the at-least-once frames already taken
  /// from the outbox that only memory holds numbered in (after, up_to],
  /// merged in number order above the ack. Stored ones are kept in memory
  /// (with their row ids) until acked. With the `last` page the route is
  /// online again, in the same step: a send from then on goes to the
  /// outbox, which is written after this page (a send in between would be
  /// in neither).
  std::vector<queued_frame> replay_frames(std::vector<queued_frame> stored, uint64_t after,
                                          uint64_t up_to, bool last);
  /// At-least-once frames memory holds until they are acked, numbered up to `number`.
  std::size_t unacked_up_to(uint64_t number) const;
  /// Stops accepting messages (the client is stopping).
  void close();

  /// The route's counters; the route owns them, for as long as it lives.
  route_stats& stats() { return stats_; }
  const route_stats& stats() const { return stats_; }
  /// Frames queued and waiting for an ack now (takes the mutex briefly).
  route_load load() const;

  /// True if the route did not carry `topic` before.
  bool add_topic(const std::string& topic);
  void forget_topic(const std::string& topic);
  bool has_topic(const std::string& topic) const;
  std::set<std::string> topics() const;

  /// The route actor. The route holds it strongly while it runs; released
  /// once the actor stopped, which breaks the route <-> actor cycle.
  void set_actor(caf::actor a);
  caf::actor actor() const;
  caf::actor release_actor();

private:
  std::string addr_;
  caf::actor actor_;
  mutable std::mutex mutex_;
  std::condition_variable room_; // the outbox shrank (or the route closed)
  std::size_t waiting_ = 0;      // senders waiting for room
  // Durable mode: each waiting sender has its own slot (on its stack, in
  // the list only while it waits, both under mutex_), so a save or an ack
  // wakes exactly the senders whose frames it covers.
  struct save_waiter {
    uint64_t number = 0;
    std::condition_variable cv;
    bool done = false;
  };
  std::vector<save_waiter*> save_waiters_;
  /// Wakes the waiters of frames now saved or acked (under mutex_).
  void release_saved();
  uint64_t saved_through_ = 0;     // every at-least-once frame up to it is saved or acked
  uint64_t saving_through_ = 0;    // the highest number in the save in flight
  uint64_t counter_;
  uint64_t taken_ = 0; // the highest number written or taken to be written; never lowered
  uint64_t acked_ = 0;
  bool queue_in_store_;
  bool offline_ = false;         // see offline()
  std::size_t unsaved_bytes_ = 0; // offline: at-least-once bytes only memory holds
  bool save_wake_pending_ = false; // offline: the route actor was rung to save
  outbox outbox_;
  std::deque<queued_frame> unacked_;
  bool wake_pending_ = false;
  bool closed_ = false;
  std::set<std::string> topics_;
  route_stats stats_;
  std::atomic<bool> unreachable_{false};
};

} // namespace liner
