// A Redis database of its own for one child run: a number taken from the
// server's shared counter (the tests use it too, so runs and tests beside
// each other never share one), emptied before the run and after it.
#pragma once

#include <string>

namespace bench {

class redis_db {
public:
  /// Picks a database on the server of `base_url` (which needs many
  /// databases, as scripts/redis makes) and empties it; throws std::runtime_error.
  explicit redis_db(const std::string& base_url);
  /// Empties it again; a failure is only printed (the run's figures stand).
  ~redis_db();
  redis_db(const redis_db&) = delete;
  redis_db& operator=(const redis_db&) = delete;

  /// base_url with this database: what the clients get.
  const std::string& url() const { return url_; }

private:
  std::string url_;
};

} // namespace bench
