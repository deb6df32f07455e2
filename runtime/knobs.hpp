// Process-wide settings shared by every client (liner's knobs, spec section 8,
// plus liner-caf's store timeout). Each is an atomic: any thread may read or
// set them at any time. Their defaults are in runtime/defaults.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/defaults.hpp"

namespace liner::knobs {

inline constexpr std::size_t default_max_message_size = defaults::max_message_size;
inline constexpr std::size_t default_compress_threshold = defaults::compress_threshold;

/// Largest frame body (everything after the 4-byte length) accepted or sent.
std::size_t max_message_size();
/// Rejects 0 (returns false and keeps the old value).
bool set_max_message_size(std::size_t n);

/// Payloads strictly larger than this are zstd-compressed on send.
std::size_t compress_threshold();
/// Rejects 0 (returns false and keeps the old value).
bool set_compress_threshold(std::size_t n);

/// Per-route cap on queued messages; 0 means unlimited.
std::size_t max_send_queue();
void set_max_send_queue(std::size_t n);

/// Bytes of frames one route may hold that it has not yet handed to its
/// socket. A send that finds that much queued waits (at most send_timeout())
/// for the route to write; then it fails with LNR_ERR_BUSY. A thread that
/// runs a receive or status callback never waits (it gets LNR_ERR_BUSY at
/// once). 0: unlimited, liner's behaviour. LINER_SEND_BUFFER sets the start value.
std::size_t send_buffer();
void set_send_buffer(std::size_t n);

/// Longest a send waits for room in its route's send buffer; 0: it never
/// waits. LINER_SEND_TIMEOUT_MS sets the start value. Rejects negative values
/// and values above defaults::max_timeout.
std::chrono::milliseconds send_timeout();
bool set_send_timeout(std::chrono::milliseconds t);

/// Longest a call waits for the store before failing with LNR_ERR_STORE.
/// Starts from LINER_STORE_TIMEOUT_MS (milliseconds) when that is set to a
/// positive number, else defaults::store_timeout.
std::chrono::milliseconds store_timeout();
/// Rejects 0, negative values and values above defaults::max_timeout
/// (returns false and keeps the old value).
bool set_store_timeout(std::chrono::milliseconds t);

/// Bytes the whole process may hold in inbound messages not yet delivered:
/// partial frames of every listener and decompressed payloads. Over it, the
/// connection holding the largest partial frame is closed, and a compressed
/// message that would not fit is refused. LINER_INBOUND_BUDGET (bytes) sets
/// the start value. Rejects 0.
std::size_t inbound_budget();
bool set_inbound_budget(std::size_t n);

/// Inbound connections one client keeps open at a time; more are accepted
/// and closed at once. LINER_MAX_INBOUND_CONNECTIONS sets the start value.
/// Rejects 0.
std::size_t max_inbound_connections();
bool set_max_inbound_connections(std::size_t n);

/// An inbound connection that has not sent one complete valid frame (or
/// finished its handshake) after this long is closed.
/// LINER_FIRST_FRAME_TIMEOUT_MS sets the start value. Rejects 0 and less,
/// and values above defaults::max_timeout.
std::chrono::milliseconds first_frame_timeout();
bool set_first_frame_timeout(std::chrono::milliseconds t);

/// Heartbeats between liner-caf peers (docs/failure-modes.md): a stream
/// that wrote nothing for this long writes a heartbeat frame, once the peer
/// said in its hello (or its answer) that it speaks them. 0: no heartbeats
/// (silent peers are then found by TCP keepalive only).
/// LINER_HEARTBEAT_MS sets the start value (1 to 9 there count as
/// defaults::heartbeat_interval_min). The setter accepts 0, or
/// defaults::heartbeat_interval_min to defaults::max_timeout.
std::chrono::milliseconds heartbeat_interval();
bool set_heartbeat_interval(std::chrono::milliseconds t);

/// A peer heard from not at all for this long is lost: its stream is closed
/// (a route reports LNR_SENDER_ROUTE_LOST, keeps its at-least-once frames
/// and tries the listener's addresses again). With heartbeats negotiated
/// it is at least three of the peer's heartbeat intervals. It is also every
/// stream's TCP_USER_TIMEOUT, and sets its TCP keepalive (idle half of it,
/// then three probes). LINER_PEER_TIMEOUT_MS sets the start value. Accepts
/// defaults::peer_timeout_min to defaults::max_timeout.
std::chrono::milliseconds peer_timeout();
bool set_peer_timeout(std::chrono::milliseconds t);

/// The LINER_* variables above that are set but not a whole number in their
/// range, one line each ("LINER_SEND_BUFFER=abc is not a whole number from 0
/// to ... (bytes); using 262144"). Such a variable is ignored: its setting
/// keeps its default. Empty when all are unset or fine.
std::vector<std::string> environment_problems();

} // namespace liner::knobs
