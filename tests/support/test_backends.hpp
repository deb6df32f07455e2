// Real backends for tests: a fresh SQLite file in a temporary folder, or a
// fresh schema in the PostgreSQL server named by LINER_TEST_POSTGRES_URL
// (scripts/test starts one). Without that variable the PostgreSQL tests fail:
// they never skip silently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

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

/// Adds `options=<option>` (one server option, e.g. -cname=value, without
/// spaces) to a libpq URL or key=value string.
std::string url_with_option(const std::string& url, const std::string& option);

/// Adds `options=-csearch_path=<schema>` to a libpq URL or key=value string.
std::string url_with_schema(const std::string& url, const std::string& schema);

/// One empty database of either kind, plus raw SQL access to it for checks
/// made the way an operator would make them.
class test_database {
public:
  virtual ~test_database() = default;
  virtual std::string kind() const = 0;
  /// What the client constructors take: a file path or a PostgreSQL URL.
  virtual std::string location() const = 0;
  virtual std::unique_ptr<Store> open(const std::string& unique_name) = 0;
  virtual void exec(const std::string& sql) = 0;
  /// First column of the first row as an integer (-1 when there is no row).
  virtual int64_t scalar(const std::string& sql) = 0;
  virtual std::string text(const std::string& sql) = 0;
};

/// kind is "sqlite" or "postgres".
std::unique_ptr<test_database> make_test_database(const std::string& kind);

} // namespace liner::test
