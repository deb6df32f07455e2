// Whether the peer at the other end of one stream is still there
// (docs/failure-modes.md). Between two liner-caf peers, heartbeats are a
// protocol extension negotiated in the hello: the sender's hello says
// {"heartbeat": N} (it writes something at least every N ms), the listener
// answers with a heartbeat frame saying the same of itself. From then on
// each side writes a heartbeat on a stream idle for its interval, and a
// peer heard from not at all for the limit is lost. A peer that never
// answers (Rust liner) gets no heartbeat; TCP keepalive and
// TCP_USER_TIMEOUT (net::set_liveness) watch those streams.
//
// A plain value owned by one stream's actor; no locking.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace liner {

class liveness {
public:
  using clock = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;

  /// A new stream at `now`. `expected_interval`: the peer spoke heartbeats
  /// on an earlier stream, so its silence counts from the start (a listener
  /// frozen before it could answer this stream's hello is found too).
  void start(clock::time_point now, std::optional<milliseconds> expected_interval);

  /// Any bytes read from the peer.
  void heard(clock::time_point now) { last_heard_ = now; }
  /// Bytes handed to the socket.
  void wrote(clock::time_point now) { last_wrote_ = now; }

  /// The peer said it speaks heartbeats, writing one at least every `interval`.
  void peer_speaks(milliseconds interval) { peer_interval_ = interval; }
  /// Whether the peer said so on this stream (then we write heartbeats too).
  bool negotiated() const { return peer_interval_.has_value(); }
  /// What it said, if it did (on this stream or, expected, an earlier one).
  std::optional<milliseconds> peer_interval() const { return peer_interval_ ? peer_interval_ : expected_; }

  /// Whether to write a heartbeat now: negotiated, our own interval is on
  /// (not 0) and nothing was written for that long.
  bool heartbeat_due(clock::time_point now, milliseconds own_interval) const {
    return negotiated() && own_interval.count() > 0 && now - last_wrote_ >= own_interval;
  }

  /// How long the peer may stay silent: `timeout`, but at least three of
  /// its heartbeat intervals (peers configured differently still agree).
  milliseconds limit(milliseconds timeout) const {
    auto interval = peer_interval();
    return interval ? std::max(timeout, 3 * *interval) : timeout;
  }

  /// Whether the peer has been silent past the limit: only a peer that
  /// speaks heartbeats (on this stream or an earlier one) is expected to
  /// write while idle, so never otherwise.
  bool silent(clock::time_point now, milliseconds timeout) const {
    return peer_interval() && now - last_heard_ > limit(timeout);
  }

  /// How often a stream's timer checks the two above: half our interval,
  /// at most a quarter of the timeout, at least 5 ms.
  static milliseconds tick(milliseconds own_interval, milliseconds timeout);

private:
  clock::time_point last_heard_{};
  clock::time_point last_wrote_{};
  std::optional<milliseconds> peer_interval_; // said on this stream
  std::optional<milliseconds> expected_;      // said on an earlier one
};

/// The payload of a hello's or a heartbeat answer's heartbeat field as a
/// JSON member, `"heartbeat":N`, and the whole answer `{"heartbeat":N}`.
std::string heartbeat_member(std::chrono::milliseconds interval);
std::string heartbeat_answer(std::chrono::milliseconds interval);

/// The interval a hello or heartbeat frame announces (a JSON object with a
/// positive whole "heartbeat" member, in ms, at most a day); nothing when
/// it has none or is not such an object (a plain heartbeat is empty).
std::optional<std::chrono::milliseconds> announced_heartbeat(const char* data, std::size_t size);

} // namespace liner
