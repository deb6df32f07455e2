// Real backends for tests: a fresh SQLite file in a temporary folder, a
// fresh schema in the PostgreSQL server named by LINER_TEST_POSTGRES_URL, or
// a fresh database of the Redis server named by LINER_TEST_REDIS_URL
// (scripts/test starts both). Without those variables the PostgreSQL and
// Redis tests fail: they never skip silently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stores/store.hpp"

namespace liner::test {

/// A temporary folder removed with everything in it on destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

/// The PostgreSQL server URL for tests; fails the current test if unset.
std::string postgres_url();

/// The Redis server URL for tests (database 0); fails the current test if unset.
std::string redis_url();

/// Adds `options=<option>` (one server option, e.g. -cname=value, without
/// spaces) to a libpq URL or key=value string.
std::string url_with_option(const std::string& url, const std::string& option);

/// Adds `options=-csearch_path=<schema>` to a libpq URL or key=value string.
std::string url_with_schema(const std::string& url, const std::string& schema);

/// One empty database of any kind, with raw access to it for checks made
/// the way an operator would make them: SQL on SQLite and PostgreSQL,
/// commands on Redis, and a few questions every kind answers from its own
/// tables or keys.
class test_database {
public:
  virtual ~test_database() = default;
  virtual std::string kind() const = 0;
  bool is_sql() const { return kind() != "redis"; }
  /// What the client constructors take: a file path, a PostgreSQL URL or a Redis URL.
  virtual std::string location() const = 0;
  virtual std::unique_ptr<Store> open(const std::string& unique_name) = 0;
  /// SQL (SQLite and PostgreSQL only; Redis throws).
  virtual void exec(const std::string& sql) = 0;
  /// First column of the first row as an integer (-1 when there is no row).
  virtual int64_t scalar(const std::string& sql) = 0;
  virtual std::string text(const std::string& sql) = 0;
  /// One Redis command; its reply flattened to strings (Redis only; SQL kinds throw).
  virtual std::vector<std::string> command(const std::vector<std::string>& args);

  // -- answered by every kind ---------------------------------------------------

  /// Catalog rows of `topic` (every topic when empty).
  virtual int64_t catalog_count(const std::string& topic = "") = 0;
  /// Adds a catalog row as a peer would, behind the clients' back.
  virtual void add_catalog_row(const std::string& topic, const std::string& addr,
                               const std::string& client_name) = 0;
  /// The shared counter of topic and connection keys (0 before the first).
  virtual int64_t key_counter() = 0;
  /// The connection key stored for sender/topic/listener, if any.
  virtual std::optional<int64_t> stored_connection_key(const std::string& sender,
                                                      const std::string& sender_topic,
                                                      const std::string& listener) = 0;
  /// How many connection keys exist.
  virtual int64_t connection_key_count() = 0;
  /// The stored ack of a connection key, if any.
  virtual std::optional<int64_t> stored_ack(int32_t ck) = 0;
  /// Frames in the offline queue of a connection key.
  virtual int64_t queue_length(int32_t ck) = 0;
  /// Deletes the catalog rows of `client_name` for `topic`, behind the clients' back.
  virtual void delete_catalog_rows(const std::string& topic, const std::string& client_name) = 0;
  /// Catalog feed connections of a client, as the server lists them
  /// (PostgreSQL: pg_stat_activity; Redis: CLIENT LIST); SQLite has none.
  virtual int64_t catalog_feeds(const std::string& client_name) { (void)client_name; return 0; }
  /// Polls catalog_feeds until it is `n` (nothing notifies about the
  /// server's sessions), at most 20 s; returns the last count.
  int64_t wait_for_catalog_feeds(const std::string& client_name, int64_t n);
  /// Ends those connections from the server's side; returns how many.
  virtual int64_t kill_catalog_feeds(const std::string& client_name) { (void)client_name; return 0; }
  /// Remembered routes of one sender (its name and topic).
  virtual int64_t sender_route_count(const std::string& sender, const std::string& sender_topic) = 0;
};

/// A store of `db` as the client `name` on `topic` registering `addr` sees it.
std::unique_ptr<Store> open_store(test_database& db, const std::string& name,
                                  const std::string& topic, const std::string& addr);

/// A Redis database of its own on the server of `base_url` (not LINER_TEST_REDIS_URL).
std::unique_ptr<test_database> make_redis_database(const std::string& base_url);

/// kind is "sqlite", "postgres" or "redis".
std::unique_ptr<test_database> make_test_database(const std::string& kind);

} // namespace liner::test
