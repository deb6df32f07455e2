// The Store interface: everything a client keeps in its backing database
// (liner's spec, section 6.1), with the same tables and semantics on every
// backend. Plain C++, no CAF: one Store belongs to one client and is used by
// one thread at a time (the client's store actor).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/defaults.hpp"
#include "stores/catalog_feed.hpp"

namespace liner {

/// What kind of failure a store_error is: it decides what the store actor
/// does next (reconnect and retry once, retry until the deadline, give up).
enum class store_failure {
  error,           // the statement failed (SQL error, constraint, bad data)
  connection_lost, // the connection broke; reconnect() may bring it back
  busy,            // another connection holds a lock (SQLite): try again
  timeout,         // the deadline passed; the connection was dropped if it was mid-request
};

/// Every store failure (unreachable server, SQL error, lock timeout) is
/// reported as a store_error whose what() is a one-line explanation.
class store_error : public std::runtime_error {
public:
  explicit store_error(const std::string& what, store_failure kind = store_failure::error)
    : std::runtime_error(what), kind_(kind) {}
  store_failure kind() const { return kind_; }

private:
  store_failure kind_;
};

/// One catalog row of a topic (`topic_addr`).
struct topic_row {
  std::string addr;
  std::string client_name;
};

/// One remembered route of this sender (`sender_listener`).
struct listener_row {
  std::string addr;
  std::string listener_topic;
  std::string client_name; // may be empty (rows written by old liner versions)
};

/// One entry of SQLite's `receivers_json` seeding (spec 6.5).
struct receiver_seed {
  std::string topic;
  std::string addr;
  std::string client_name;
};

/// Offline-queue length for one remembered route (lnr_pending_by_peer).
struct pending_row {
  std::string addr;
  std::string listener_topic;
  std::string listener_name;
  int32_t connection_key = 0;
  int64_t count = 0;
};

/// A frame kept in the offline queue (`conn_messages`), with its row id.
struct stored_frame {
  int64_t id = 0;
  std::vector<char> frame; // the whole wire frame, length prefix included
};

class Store {
public:
  explicit Store(std::string unique_name) : unique_name_(std::move(unique_name)) {}
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // -- connection health -------------------------------------------------

  using clock = std::chrono::steady_clock;
  /// Every operation from now on must finish by `deadline`, else it throws a
  /// store_error of kind timeout (and the connection is dropped if needed).
  virtual void set_deadline(clock::time_point deadline) = 0;
  /// False once the connection broke (or was dropped at a deadline).
  virtual bool connected() const = 0;
  /// Opens a new connection (by the deadline); throws store_error.
  virtual void reconnect() = 0;
  /// How to open a feed of catalog changes on this store's database, for
  /// any thread; empty if the backend has none (SQLite).
  virtual catalog_feed_opener catalog_feed_source() const { return {}; }

  // -- identity ----------------------------------------------------------

  const std::string& unique_name() const { return unique_name_; }
  const std::string& source_topic() const { return source_topic_; }
  void set_source_topic(std::string topic) { source_topic_ = std::move(topic); }
  /// The address regist_topic/unregist_topic write in the catalog.
  const std::string& source_localhost() const { return source_localhost_; }
  void set_source_localhost(std::string addr) { source_localhost_ = std::move(addr); }

  /// `{unique_name}:{source_topic}`, the key of this sender's routes.
  std::string sender_key() const { return unique_name_ + ":" + source_topic_; }
  /// `{unique_name}:{source_topic}:{listener_name}`, the connection key's name.
  std::string composite_key(const std::string& listener_name) const {
    return sender_key() + ":" + listener_name;
  }

  // -- catalog (topic_addr) ----------------------------------------------

  /// Upserts (topic, source_localhost) -> unique_name.
  virtual void regist_topic(const std::string& topic) = 0;
  /// Deletes (topic, source_localhost).
  virtual void unregist_topic(const std::string& topic) = 0;
  /// Deletes every catalog row of the source topic (all addresses).
  virtual void clear_addresses_of_topic() = 0;
  /// The catalog rows of a topic, ordered by address.
  virtual std::vector<topic_row> get_topic_directory(const std::string& topic) = 0;
  /// The addresses of a topic, ordered.
  std::vector<std::string> get_addresses_of_topic(const std::string& topic);
  /// Every catalog address of a client (any topic), addresses found dead last.
  virtual std::vector<std::string> get_addresses_of_client(const std::string& client_name) = 0;
  /// Nothing listened at `addr` when we connected: catalog rows of
  /// `client_name` at that address go last for every sender, until a client
  /// registers there again. Rows are never deleted: a peer that is only slow
  /// still accepts connections, so it is never marked.
  virtual void mark_address_dead(const std::string& addr, const std::string& client_name) = 0;
  /// The listener name at (topic, addr): from the catalog, else from this
  /// sender's remembered route to addr for that topic; nullopt if neither.
  virtual std::optional<std::string> get_listener_unique_name(const std::string& topic,
                                                              const std::string& addr) = 0;

  // -- sender routes (sender_listener) -----------------------------------

  virtual void save_listener_for_sender(const std::string& addr, const std::string& listener_topic,
                                        const std::string& listener_name) = 0;
  /// Like save_listener_for_sender, but an existing row of the same listener
  /// keeps its topic unless that is the internal channel (sender_listener has
  /// one topic per address; liner_route_topic has them all).
  virtual void remember_listener_address(const std::string& addr,
                                               const std::string& listener_topic,
                                               const std::string& listener_name) = 0;
  /// Also forgets the topic for every remembered route (see remember_route_topic);
  /// a row whose route carries other topics takes one of those instead of
  /// being deleted.
  virtual void remove_sender_listeners_on_topic(const std::string& listener_topic) = 0;
  /// Remembers that this sender's route to `listener_name` carries `topic`
  /// (liner-caf's liner_route_topic: a listener serves several topics, while
  /// sender_listener keeps one topic per address).
  virtual void remember_route_topic(const std::string& listener_name, const std::string& topic) = 0;
  /// Remembered routes that carried `topic`: their address and listener.
  virtual std::vector<listener_row> get_routes_for_topic(const std::string& topic) = 0;
  virtual std::vector<listener_row> get_listeners_of_sender() = 0;
  /// Deletes the offline queues and ack cursors of every remembered route of
  /// this sender, then the routes themselves, in one transaction. Unlike
  /// liner it never allocates connection keys while doing so.
  virtual void clear_stored_messages() = 0;
  /// Offline-queue length per remembered route whose listener is known
  /// (the same on every backend: built from the calls below).
  std::vector<pending_row> pending_by_peer();
  /// The same rows without counting (count 0): the remembered routes whose
  /// listener and connection key are known.
  std::vector<pending_row> remembered_routes();
  /// Sum of the offline queues of this sender, each connection key counted once.
  int64_t pending_count();

  // -- keys ----------------------------------------------------------------

  /// The connection key of (this sender -> listener_name), if one exists.
  virtual std::optional<int32_t> find_connection_key_for_sender(
    const std::string& listener_name) = 0;
  /// The connection key, allocated from the shared counter if missing.
  /// Safe when several processes ask for the same one at once.
  virtual int32_t get_connection_key_for_sender(const std::string& listener_name) = 0;
  /// The topic key, allocated from the shared counter if missing.
  virtual int32_t get_topic_key(const std::string& topic) = 0;
  /// Records this sender's source topic for the connection key (`conn_sender`).
  virtual void set_sender_topic_by_connection_key_from_sender(int32_t ck) = 0;
  /// The sender topic a listener reports as `from`; nullopt if unknown.
  virtual std::optional<std::string> get_sender_topic_by_connection_key(int32_t ck) = 0;
  /// The `{sender_unique_name}:{sender_topic}:{listener_unique_name}` the
  /// connection key was allocated for; nullopt if no such key.
  virtual std::optional<std::string> get_connection_composite(int32_t ck) = 0;

  // -- acks (conn_mess_number) ---------------------------------------------

  /// Stores the highest number the listener handed to the application.
  /// Numbers above INT64_MAX are rejected (SQL integers are signed).
  virtual void set_last_mess_number_from_listener(int32_t ck, uint64_t number) = 0;
  /// Several acks in one transaction (the listener batches them).
  virtual void set_last_mess_numbers_from_listener(
    const std::vector<std::pair<int32_t, uint64_t>>& acks) = 0;
  /// The stored ack; a missing row is created with 0 (as liner does).
  virtual uint64_t get_last_mess_number_for_listener(int32_t ck) = 0;
  virtual uint64_t get_last_mess_number_for_sender(int32_t ck) = 0;

  // -- offline queue (conn_messages) ---------------------------------------

  virtual int64_t count_pending_messages(int32_t ck) = 0;
  /// Appends whole frames to the queue, in order, in one transaction.
  /// Returns their row ids, in the same order.
  std::vector<int64_t> save_messages_from_sender(int32_t ck,
                                                 const std::vector<std::vector<char>>& frames) {
    return append_to_queue(ck, frames, 0);
  }
  /// Same, and deletes the queued frames with id <= `delete_up_to_id`
  /// (acked ones) in the same transaction: the one round trip of a durable
  /// save. The appended frames' ids are always above it.
  virtual std::vector<int64_t> append_to_queue(int32_t ck,
                                               const std::vector<std::vector<char>>& frames,
                                               int64_t delete_up_to_id) = 0;
  /// Reads the whole queue in order and deletes it (liner's semantics).
  virtual std::vector<std::vector<char>> load_messages_for_sender(int32_t ck) = 0;
  /// Reads the whole queue in order without deleting anything.
  virtual std::vector<stored_frame> read_messages_for_sender(int32_t ck) = 0;
  /// Reads at most `limit` (> 0) frames of the queue with row ids above
  /// `after_id`, in order, without deleting anything.
  virtual std::vector<stored_frame> read_queue_page(int32_t ck, int64_t after_id,
                                                    std::size_t limit) = 0;
  /// Deletes queued frames with id <= up_to_id (after they were acked).
  virtual void delete_messages_for_sender(int32_t ck, int64_t up_to_id) = 0;
  /// The newest queued frame, without deleting it.
  virtual std::optional<std::vector<char>> load_last_message_for_sender(int32_t ck) = 0;

  // -- seeding ---------------------------------------------------------------

  /// liner's receivers_json seeding (spec 6.5), in one transaction.
  virtual void seed_receivers(const std::vector<receiver_seed>& entries) = 0;

private:
  std::string unique_name_;
  std::string source_topic_;
  std::string source_localhost_;
};

/// Opens (creating if needed) a SQLite store: WAL, liner's schema. `path` may
/// be ":memory:". Locks held elsewhere are waited for until `timeout`.
/// Throws store_error.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, std::string unique_name,
                                         std::chrono::milliseconds timeout = defaults::store_timeout);

/// Connects to PostgreSQL and creates liner's schema if missing (under an
/// advisory lock). `url` is any libpq URL or key=value string; empty means
/// libpq's PG* environment variables. Gives up after `timeout`. Throws
/// store_error.
std::unique_ptr<Store> open_postgres_store(const std::string& url, std::string unique_name,
                                           std::chrono::milliseconds timeout = defaults::store_timeout);

} // namespace liner
