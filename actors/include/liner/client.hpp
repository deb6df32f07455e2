// liner::Client: one peer of a liner mesh, as a plain C++ object (no CAF type
// here). Create it on a store, run it with a receive callback, send to topics.
// Every member function is thread-safe, and the callbacks may call back into
// the same client (echoing from inside the receive callback is normal).
//
// Behaviour, return values, error codes and messages are liner 1.4.1's; see
// docs/cpp-api.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <liner/error_code.hpp>

namespace liner {

class client_core; // the implementation, in actors/ (not installed)

/// Called for each message, one at a time per client, in order per sender.
/// `to` is the topic it was sent to (our own or a subscription), `from` the
/// sender's topic ("" if unknown). The views are valid during the call only.
using receive_callback =
  std::function<void(std::string_view to, std::string_view from, const char* data, std::size_t size)>;

/// Peer events and background errors (liner's status kinds). Called on the
/// client's own status thread, one event at a time per client.
using status_callback = std::function<void(status_kind kind, std::string_view topic,
                                           std::string_view peer, std::string_view message)>;

struct address_entry {
  std::string addr;
  std::string unique_name;
};

struct pending_entry {
  std::string addr;
  std::string topic;
  std::string unique_name;
  int64_t count = 0;
};


class Client {
public:
  /// A client on a SQLite file (created if missing; ":memory:" allowed).
  /// `receivers_json` optionally seeds the catalog (liner's isolated-file
  /// model): a JSON array of {"topic","addr","client_name"} objects.
  /// Returns nullptr on failure and, if `error` is given, says why.
  static std::unique_ptr<Client> create_sqlite(const std::string& unique_name,
                                               const std::string& topic,
                                               const std::string& localhost,
                                               const std::string& path,
                                               const std::string& receivers_json = "",
                                               std::string* error = nullptr);

  /// A client on a PostgreSQL database (any libpq URL or key=value string;
  /// empty uses the PG* environment variables).
  static std::unique_ptr<Client> create_postgres(const std::string& unique_name,
                                                 const std::string& topic,
                                                 const std::string& localhost,
                                                 const std::string& url,
                                                 std::string* error = nullptr);

  /// A client on a Redis server, with liner 1.4.1's key layout (Rust liner
  /// peers share it): `redis://[[user]:password@]host[:port][/db]` or
  /// `unix:///path[?db=N&pass=P]`. A malformed URL is invalid_arg; an
  /// unreachable server or a refused password is store.
  static std::unique_ptr<Client> create_redis(const std::string& unique_name,
                                              const std::string& topic,
                                              const std::string& localhost,
                                              const std::string& url,
                                              std::string* error = nullptr);

  /// Why the last create_* call on this thread failed: error_code::internal_topic
  /// (the topic is liner's reserved internal channel), invalid_arg (an empty
  /// argument, bad receivers_json) or store (the store could not be opened);
  /// error_code::ok after a success.
  static error_code last_create_error();

  /// Stops the client (as stop()) and closes its store. Allowed from inside
  /// the client's own callbacks: the last steps then finish on a helper
  /// thread once the callback has returned.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // -- lifecycle --------------------------------------------------------------

  /// Binds the listener, registers in the catalog, restores routes, announces
  /// itself. True if started or already running.
  bool run(receive_callback on_receive);
  /// Flushes and stops; afterwards every unacked at-least-once message is in
  /// the store (if the store answers). True (also when not running).
  /// Allowed from inside the callbacks.
  bool stop();
  bool is_running() const;

  // -- messaging ----------------------------------------------------------------

  /// Queues one copy for one address of `topic` (round robin). True means
  /// accepted, not delivered.
  bool send_to(const std::string& topic, const void* data, std::size_t size,
               bool at_least_once = true);
  /// Queues one copy for every address of `topic`; true only if all accepted.
  bool send_all(const std::string& topic, const void* data, std::size_t size,
                bool at_least_once = true);

  // -- topics -------------------------------------------------------------------

  bool subscribe(const std::string& topic);
  bool unsubscribe(const std::string& topic);
  bool refresh_address_topic(const std::string& topic);
  /// The catalog rows of a topic (fresh from the store); nullopt on error.
  std::optional<std::vector<address_entry>> list_addresses(const std::string& topic);

  // -- offline queues -------------------------------------------------------------

  /// Messages in the store's offline queues of this sender; -1 on error.
  int64_t pending_count();
  std::optional<std::vector<pending_entry>> pending_by_peer();
  bool clear_stored_messages();
  bool clear_addresses_of_topic();

  // -- addresses --------------------------------------------------------------------

  /// Address to publish instead of the bound one ("host:port"; port 0 means
  /// the bound port). Empty clears it. Only while not running.
  bool set_advertise_addr(const std::string& addr);
  std::optional<std::string> advertise_addr() const;
  /// Durable mode (off by default): every at-least-once send returns only
  /// once the message is in the store, so a process killed right after
  /// loses nothing (docs/delivery.md, "Durable mode"). Concurrent sends
  /// share store transactions. Only while not running.
  bool set_durable(bool on);
  bool durable() const;
  /// The shared secret every peer must prove before a frame is accepted,
  /// both ways (docs/security.md). Empty turns it off. Only while not
  /// running. Default: LINER_AUTH_SECRET.
  bool set_auth_secret(const std::string& secret);
  /// TLS 1.3 for every connection of this client, both ways, with mutual
  /// certificate verification: its certificate chain and key (PEM files)
  /// and the CA every peer's certificate must chain to. All empty turns it
  /// off. The files are loaded now (invalid_arg if one is missing, bad or
  /// the key does not match). Only while not running. Default: the files
  /// named by LINER_TLS_CERT, LINER_TLS_KEY and LINER_TLS_CA when all are set.
  bool set_tls(const std::string& cert_file, const std::string& key_file,
               const std::string& ca_file);
  /// The listener's actual address after the last successful bind.
  std::optional<std::string> bound_listen_addr() const;
  /// The address in the catalog while running.
  std::optional<std::string> published_addr() const;

  // -- observing ------------------------------------------------------------------------

  /// Installs (or, with an empty function, removes) the status callback.
  void set_status_callback(status_callback cb);
  /// The outcome of this client's last call (code and message are written
  /// together, under a lock).
  error_code last_error() const;
  std::string last_error_message() const;
  const std::string& unique_name() const;
  const std::string& topic() const;
  /// True while the current thread runs one of this client's callbacks.
  bool in_own_callback() const;
  /// The client's counters as one JSON object: messages and bytes sent and
  /// delivered, BUSY refusals, at-least-once messages waiting for an ack,
  /// store request times, and one entry per route (docs/cpp-api.md,
  /// "Metrics", has the fields). Any thread, running or not; no store call.
  /// Does not change last_error().
  std::string stats_json() const;

  // -- process-wide knobs ----------------------------------------------------------------

  static bool set_max_message_size(std::size_t n); // 0 rejected
  static std::size_t max_message_size();
  static bool set_compress_threshold(std::size_t n); // 0 rejected
  static std::size_t compress_threshold();
  static void set_max_send_queue(std::size_t n); // 0 = unlimited
  static std::size_t max_send_queue();
  /// Bytes one route holds unwritten before a send waits for room (default
  /// 256 KiB, LINER_SEND_BUFFER; 0 = unlimited, liner's behaviour). A send that
  /// waits longer than the send timeout fails with error_code::busy; on a
  /// callback thread it fails at once.
  static void set_send_buffer(std::size_t bytes);
  static std::size_t send_buffer();
  /// Longest a send waits for room (default 1000 ms, LINER_SEND_TIMEOUT_MS;
  /// 0 = never wait). Rejects negative values.
  static bool set_send_timeout_ms(int64_t ms);
  static int64_t send_timeout_ms();
  /// How long a call waits for the store before failing with error_code::store
  /// (default 5000 ms, or LINER_STORE_TIMEOUT_MS). Rejects 0.
  static bool set_store_timeout_ms(int64_t ms);
  static int64_t store_timeout_ms();
  /// Bytes of partial frames and decompressed payloads the process holds at
  /// once (default 256 MiB, LINER_INBOUND_BUDGET). Rejects 0.
  static bool set_inbound_budget(std::size_t bytes);
  static std::size_t inbound_budget();
  /// Inbound connections per client (default 512, LINER_MAX_INBOUND_CONNECTIONS). Rejects 0.
  static bool set_max_inbound_connections(std::size_t n);
  static std::size_t max_inbound_connections();
  /// How long an inbound connection may take to send its first complete
  /// frame or finish its handshake (default 5000 ms, LINER_FIRST_FRAME_TIMEOUT_MS).
  static bool set_first_frame_timeout_ms(int64_t ms);
  static int64_t first_frame_timeout_ms();
  /// Heartbeats between liner-caf peers (docs/failure-modes.md): an idle
  /// stream writes one this often (default 2000 ms, LINER_HEARTBEAT_MS;
  /// 0 = none; 10 to 86400000 otherwise). Never sent to Rust liner peers.
  static bool set_heartbeat_ms(int64_t ms);
  static int64_t heartbeat_ms();
  /// A peer heard from not at all for this long is lost (default 10000 ms,
  /// LINER_PEER_TIMEOUT_MS; 100 to 86400000): the route reports
  /// status_kind::sender_route_lost, keeps its at-least-once messages and
  /// reconnects. Also every connection's TCP_USER_TIMEOUT and keepalive.
  /// Read when a stream opens (TCP options) and at each liveness check.
  static bool set_peer_timeout_ms(int64_t ms);
  static int64_t peer_timeout_ms();

  /// The implementation, for the C API and the client actor.
  client_core& core() { return *core_; }

private:
  struct last_error_slot;
  explicit Client(std::shared_ptr<client_core> core);
  std::shared_ptr<client_core> core_;
  std::unique_ptr<last_error_slot> error_;
};

} // namespace liner
