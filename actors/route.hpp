// One outbound route: everything a sender keeps for one destination address.
// Senders (any thread) number and encode frames straight into the outbox;
// the route actor writes the outbox to the socket and keeps at-least-once
// frames until an ack covers them.
#pragma once

#include <caf/actor.hpp>

#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>

#include "runtime/frame_codec.hpp"

namespace liner {

/// The wire markers of the protocol extension (architecture, "Protocol
/// extension"): a hello opens each stream, acks come back on it. Rust liner
/// never sends either and drops both (number 0, unknown topic keys).
inline constexpr int32_t hello_topic_key = -1;
inline constexpr int32_t ack_topic_key = -2;

struct queued_frame {
  uint64_t number = 0;
  byte_buffer bytes;    // the whole frame
  int64_t store_id = 0; // row in conn_messages, 0 while only in memory
};

enum class enqueue_result { ok, busy, closed };

class route_state {
public:
  route_state(std::string addr, int32_t ck, std::string listener_name, std::string first_topic,
              uint64_t counter);

  /// Where the listener is reached now; it moves when the listener comes
  /// back at another address (the route follows its unique name).
  std::string addr() const;
  void set_addr(std::string a);
  const int32_t ck;
  const std::string listener_name;
  const std::string first_topic; // liner's "route topic" in status events
  const uint64_t epoch;          // random id of this route incarnation
  const uint64_t first_number;   // the first number it assigns

  /// Numbers and queues one message. `wake` tells the caller to ring the
  /// route actor (only when the outbox was empty: one message per batch).
  enqueue_result enqueue(int32_t topic_key, const char* data, std::size_t size, bool at_least_once,
                         bool& wake);

  /// The route actor takes everything queued so far, to write it.
  byte_buffer take_outbox();
  /// Gives a written-out buffer back as the next outbox's storage (saves
  /// regrowing a big buffer from scratch after every take).
  void recycle(byte_buffer&& b);
  /// Unacked at-least-once frames, oldest first, for replay or persistence.
  std::mutex& mutex() { return mutex_; }
  std::deque<queued_frame>& unacked() { return unacked_; }
  /// Drops frames covered by `number`; returns the highest store id dropped.
  int64_t apply_ack(uint64_t number);
  uint64_t acked() const;
  /// Empties memory when the stream is lost or the route stops: returns the
  /// at-least-once frames above the ack that are not in the store yet (to
  /// be persisted); best-effort frames are dropped, as in liner.
  std::vector<byte_buffer> drain_unstored();
  /// Puts frames read back from the store in front of the in-memory ones.
  void prepend_stored(std::vector<queued_frame> stored);
  /// Stops accepting messages (the client is stopping).
  void close();

  void add_topic(const std::string& topic);
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
  uint64_t counter_;
  uint64_t acked_ = 0;
  byte_buffer outbox_;
  byte_buffer spare_; // empty, keeps its capacity for the next outbox
  std::size_t outbox_frames_ = 0;
  std::size_t alo_in_outbox_ = 0;
  std::deque<queued_frame> unacked_;
  bool wake_pending_ = false;
  bool closed_ = false;
  std::set<std::string> topics_;
};

} // namespace liner
