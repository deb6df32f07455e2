// Changes to the catalog (topic_addr) as the database reports them: on
// PostgreSQL, triggers on topic_addr NOTIFY every insert, update, delete and
// truncate, whoever makes it (a liner-caf peer, a Rust liner peer, SQL by
// hand, an operator's tool), and a catalog_feed LISTENs on its own
// connection. SQLite has no feed: clients there learn from the internal
// channel and by resolving topics, as before.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "stores/outbox_row.hpp"

namespace liner {

/// One changed catalog row. An empty topic means "anything may have
/// changed" (a truncate, or a row too big to describe in a notification).
struct catalog_change {
  std::string op; // INSERT, UPDATE, DELETE or TRUNCATE
  std::string topic;
  std::string addr;
  std::string client_name;
  std::string old_topic; // UPDATE: the topic before, if it changed
};

class catalog_feed {
public:
  virtual ~catalog_feed() = default;
  /// The descriptor to poll() for input.
  virtual int socket() const = 0;
  /// Reads what arrived, without waiting; throws store_error when the
  /// connection broke (open a new feed then). A message published from SQL
  /// comes as op PUBLISH (no row).
  virtual std::vector<catalog_change> take() = 0;
  /// Whether the feed hears of every change, whoever makes it. A feed that
  /// does not (Redis without keyspace notifications: it hears only
  /// liner-caf's own PUBLISHes) says why, and the watcher also refreshes
  /// every cached topic periodically.
  virtual bool complete() const { return true; }
  virtual std::string incomplete_because() const { return {}; }

  // Publishing from SQL (stores/postgres_outbox.hpp), on the feed's
  // connection: the rows stay locked (FOR UPDATE SKIP LOCKED) until
  // finish_outbox, so no other client relays them meanwhile. Both throw
  // store_error; a feed that threw is done (open a new one).

  /// Whether this backend has an outbox at all.
  virtual bool has_outbox() const { return false; }
  /// Begins a transaction and locks up to `limit` outbox rows with ids above
  /// `after` that nobody else holds, in id order.
  virtual std::vector<outbox_row> claim_outbox(int64_t after, std::size_t limit,
                                               std::chrono::steady_clock::time_point deadline) {
    (void)after, (void)limit, (void)deadline;
    return {};
  }
  /// Deletes the claimed rows `done` and commits; the other claimed rows
  /// stay in the outbox.
  virtual void finish_outbox(const std::vector<int64_t>& done,
                             std::chrono::steady_clock::time_point deadline) {
    (void)done, (void)deadline;
  }
};

/// Opens a feed by the deadline (throws store_error). Holds only settings:
/// callable from any thread, any number of times.
using catalog_feed_opener =
  std::function<std::unique_ptr<catalog_feed>(std::chrono::steady_clock::time_point deadline)>;

} // namespace liner
