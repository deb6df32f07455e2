// A PostgreSQL schema of its own for one child run: created before the run,
// dropped (with everything the clients made in it) after the child is gone.
#pragma once

#include <string>

namespace bench {

/// Runs `sql` (statements without results) on a connection of its own to
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
