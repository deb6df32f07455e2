// A PostgreSQL schema of its own for one child run: created before the run,
// dropped (with everything the clients made in it) after the child is gone.
#pragma once

#include <memory>
#include <string>

struct pg_conn;

namespace bench {

/// One libpq connection (for timing statements without the connect).
class pg_connection {
public:
  /// Connects to `url`; throws std::runtime_error.
  explicit pg_connection(const std::string& url);
  /// Runs `sql` (results are dropped); throws std::runtime_error.
  void exec(const std::string& sql);

private:
  std::unique_ptr<pg_conn, void (*)(pg_conn*)> conn_;
};

/// Runs `sql` (results are dropped) on a connection of its own to
/// `url`; returns once committed; throws std::runtime_error.
void pg_exec(const std::string& url, const std::string& sql);

class pg_schema {
public:
  /// Creates schema `name` on the server of `base_url`; throws std::runtime_error.
  pg_schema(const std::string& base_url, const std::string& name);
  /// Drops it; a failure is only printed (the run's figures stand).
  ~pg_schema();
  pg_schema(const pg_schema&) = delete;
  pg_schema& operator=(const pg_schema&) = delete;

  /// base_url with the schema as the connection's search_path: what the
  /// clients get.
  const std::string& url() const { return url_; }

private:
  std::string base_url_, name_, url_;
};

} // namespace bench
