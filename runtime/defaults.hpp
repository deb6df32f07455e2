// Every default of liner-caf in one place: timeouts, batch sizes, backoff and
// limits. Each line says what the value bounds. Settings that users can
// change at run time start from these (runtime/knobs.hpp).
#pragma once

#include <chrono>
#include <cstddef>

namespace liner::defaults {

using namespace std::chrono_literals;

// -- messages ------------------------------------------------------------------

/// Largest frame body (after the 4-byte length) sent or accepted (liner: 1 GiB).
inline constexpr std::size_t max_message_size = 1024u * 1024u * 1024u;
/// Payloads strictly larger than this are zstd-compressed on send (liner: 1 MiB).
inline constexpr std::size_t compress_threshold = 1024u * 1024u;
/// Messages queued per route before send_to answers LNR_ERR_BUSY; 0 = unlimited.
inline constexpr std::size_t max_send_queue = 0;
/// Bytes a route holds unwritten before a send waits for room (LINER_SEND_BUFFER; 0 = unlimited).
/// Small on purpose: the kernel's socket buffers hold more, and every byte
/// of it is memory a burst touches (4 MiB per route cost page faults enough
/// to halve a burst of 10k messages to 8 peers; 256 KiB loses nothing in
/// the pair at 100 B, 1 KiB or 64 KiB, see docs/performance.md).
inline constexpr std::size_t send_buffer = 256u * 1024u;
/// Longest a send waits for that room before LNR_ERR_BUSY (LINER_SEND_TIMEOUT_MS).
inline constexpr std::chrono::milliseconds send_timeout = 1000ms;

// -- store ---------------------------------------------------------------------

/// Longest a caller waits for one store request (LINER_STORE_TIMEOUT_MS overrides).
inline constexpr std::chrono::milliseconds store_timeout = 5s;
/// Longest value any timeout setting accepts (LINER_*_TIMEOUT_MS and the
/// set_*_timeout calls): a day. Longer ones are refused, not truncated.
inline constexpr std::chrono::milliseconds max_timeout = 24h;
/// How long past that a caller still waits for an answer already on its way.
inline constexpr std::chrono::milliseconds store_answer_margin = 250ms;
/// First wait before reconnecting a lost PostgreSQL connection; doubles per failure.
inline constexpr std::chrono::milliseconds store_reconnect_first = 100ms;
/// Longest wait between two reconnect attempts to PostgreSQL.
inline constexpr std::chrono::milliseconds store_reconnect_max = 5s;
/// Pause between two tries of a SQLite statement that met a lock.
inline constexpr std::chrono::milliseconds store_busy_pause = 5ms;
/// PostgreSQL lock_timeout: a row lock held elsewhere fails the statement after this.
inline constexpr std::chrono::milliseconds store_lock_timeout = 5s;

// -- routes (sender side) --------------------------------------------------------

/// One TCP connect attempt gives up after this (name resolution included).
inline constexpr std::chrono::milliseconds connect_timeout = 1000ms;
/// First wait before reconnecting a route; doubles per failure.
inline constexpr std::chrono::milliseconds route_backoff_first = 50ms;
/// Longest wait between two connect attempts of a route.
inline constexpr std::chrono::milliseconds route_backoff_max = 2000ms;
/// A stream up this long before it broke counts as a success: the backoff starts anew.
inline constexpr std::chrono::milliseconds route_stable_after = 1000ms;
/// PostgreSQL: while the catalog feed (LISTEN) is down, clients refresh
/// every cached topic this often, and try to listen again.
inline constexpr std::chrono::milliseconds catalog_poll_period = 1000ms;
/// Between two liner-caf peers, each side writes a heartbeat on a stream
/// that wrote nothing for this long (LINER_HEARTBEAT_MS; 0: none, only TCP
/// keepalive). Negotiated in the hello: never sent to Rust liner.
inline constexpr std::chrono::milliseconds heartbeat_interval = 2s;
/// A stream that heard nothing from its peer for this long (heartbeats
/// negotiated), or whose written bytes went unacknowledged by the peer's
/// kernel for this long (TCP_USER_TIMEOUT, every stream), is lost; TCP
/// keepalive probes an idle stream within about the same time
/// (LINER_PEER_TIMEOUT_MS).
inline constexpr std::chrono::milliseconds peer_timeout = 10s;
/// The smallest settings accepted for those two.
inline constexpr std::chrono::milliseconds heartbeat_interval_min = 10ms;
inline constexpr std::chrono::milliseconds peer_timeout_min = 100ms;
/// Store ack polling period for listeners that ack only through the store (Rust liner).
inline constexpr std::chrono::milliseconds ack_poll_period = 200ms;
/// Written bytes a stopping route waits for before it closes its stream anyway.
inline constexpr std::chrono::milliseconds stop_grace = 500ms;
/// A route stops moving its outbox into the socket buffer while this much is unsent.
inline constexpr std::size_t max_unsent_bytes = 8u * 1024u * 1024u;
/// Senders encode frames into chunks of this many bytes (a bigger frame
/// gets a chunk of its own); the route hands the socket one chunk at a time.
inline constexpr std::size_t outbox_chunk_size = 128u * 1024u;
/// Spent outbox chunks the process keeps for reuse, and their bytes in all.
inline constexpr std::size_t outbox_spare_chunks = 64;
inline constexpr std::size_t outbox_spare_bytes = 16u * 1024u * 1024u;
/// A route replays its stored queue (after connecting) in pages of about
/// this many bytes: the next page is read once the previous one is nearly
/// written and acked, so a drain of a long queue holds a few pages at once,
/// not the queue. The first page has replay_first_page_frames; later ones
/// as many frames as fit the bytes at the last page's average size.
inline constexpr std::size_t replay_page_bytes = 2u * 1024u * 1024u;
inline constexpr std::size_t replay_first_page_frames = 256;
inline constexpr std::size_t replay_page_frames_max = 32768;
/// First wait before retrying a failed save of at-least-once frames; doubles per failure.
inline constexpr std::chrono::milliseconds save_retry_first = 100ms;
/// Longest wait between two retries of a failed save.
inline constexpr std::chrono::milliseconds save_retry_max = 2000ms;
/// Rows of the outbox (messages published from SQL) one relay pass locks
/// and sends at a time.
inline constexpr std::size_t relay_batch_rows = 256;
/// Durable mode: rows of acked frames are deleted by the next save's
/// statement, or after this long when no save comes (a quiet route).
inline constexpr std::chrono::milliseconds durable_trim_delay = 20ms;

// -- listener and delivery ---------------------------------------------------------

/// Bytes of inbound messages the process holds before delivery: partial
/// frames and decompressed payloads (LINER_INBOUND_BUDGET overrides).
inline constexpr std::size_t inbound_budget = 256u * 1024u * 1024u;
/// Inbound connections per client (LINER_MAX_INBOUND_CONNECTIONS overrides).
inline constexpr std::size_t max_inbound_connections = 512;
/// A connection must send a complete valid frame within this (LINER_FIRST_FRAME_TIMEOUT_MS).
inline constexpr std::chrono::milliseconds first_frame_timeout = 5s;
/// Bytes read by a listener and not yet through the delivery actor; above
/// it the listener stops reading (TCP pushes back on the senders).
inline constexpr std::size_t listener_max_in_flight = 8u * 1024u * 1024u;
/// First pause of accepting after the process ran out of file descriptors; doubles.
inline constexpr std::chrono::milliseconds accept_backoff_first = 10ms;
/// Longest pause of accepting while out of file descriptors.
inline constexpr std::chrono::milliseconds accept_backoff_max = 1000ms;
/// Bytes a listener reads from one inbound stream at a time (each stream
/// keeps a buffer of this size, and each batch in flight holds one).
inline constexpr std::size_t listener_read_size = 64u * 1024u;
/// Read buffers a client's listener and delivery actor keep for reuse, and
/// their bytes in all.
inline constexpr std::size_t spare_read_buffers = 32;
inline constexpr std::size_t spare_read_bytes = 4u * 1024u * 1024u;
/// Bytes a route reads (acks, 25-byte frames) from its stream at a time.
inline constexpr std::size_t route_read_size = 4u * 1024u;
/// Acks are written to the store at most this long after a delivery.
inline constexpr std::chrono::milliseconds ack_flush_period = 20ms;
/// Frames delivered inside one batch before the listener acks them.
inline constexpr std::size_t ack_every_frames = 64;
/// A failed lookup of a sender's topic (`from`) is retried at most this often.
inline constexpr std::chrono::milliseconds from_retry_period = 1s;

// -- metrics endpoint (LINER_METRICS_ADDR) ------------------------------------------

/// Bytes of one HTTP request (request line and headers) the endpoint reads;
/// a longer one is answered 431 and closed.
inline constexpr std::size_t metrics_request_max_bytes = 8u * 1024u;
/// Connections the endpoint serves at once; more wait in the listen backlog.
inline constexpr std::size_t metrics_max_connections = 4;
/// Each connection is closed this long after it was accepted, whatever it
/// did: a slow or silent client holds a slot no longer.
inline constexpr std::chrono::milliseconds metrics_connection_deadline = 2s;

// -- lifecycle ---------------------------------------------------------------------

/// Longest stop() waits for one actor (route, listener, delivery) to finish.
inline constexpr std::chrono::seconds actor_stop_timeout = 60s;

} // namespace liner::defaults
