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
  /// connection broke (open a new feed then).
  virtual std::vector<catalog_change> take() = 0;
};

/// Opens a feed by the deadline (throws store_error). Holds only settings:
/// callable from any thread, any number of times.
using catalog_feed_opener =
  std::function<std::unique_ptr<catalog_feed>(std::chrono::steady_clock::time_point deadline)>;

} // namespace liner
