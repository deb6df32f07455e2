// SQL on a liner store for the operator's command: the views the clients
// create (liner_peers, liner_pending, liner_acks; docs/store-layout.md) and
// the catalog table, on SQLite or PostgreSQL. Opening never creates
// anything: a wrong path or an empty database is reported, not initialised.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace liner::cli {

/// Rows of text cells (NULL is nullopt), with the column names.
struct table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;

  /// The cell of `row` in the column named `column` ("" for NULL).
  const std::string& cell(std::size_t row, const std::string& column) const;
};

class store_view {
public:
  virtual ~store_view() = default;
  /// "sqlite" or "postgres".
  virtual std::string kind() const = 0;
  /// The store as shown to the user: the file, or host, port and database
  /// (never a password).
  virtual std::string describe() const = 0;
  /// Runs one statement; `$1`, `$2`... are bound to `params` (text).
  /// Throws failure(no_store) when the store went away, failure(problem)
  /// for an SQL error.
  virtual table query(const std::string& sql, const std::vector<std::string>& params = {}) = 0;
  /// The tables and views of the mesh (in its namespace on PostgreSQL).
  virtual std::set<std::string> relations() = 0;
};

/// A PostgreSQL URL or key=value string (parsed by libpq), as opposed to a
/// SQLite file path.
bool is_postgres_location(const std::string& location);
/// redis://, unix:// or redis+unix:// (liner's Redis URLs).
bool is_redis_location(const std::string& location);

/// Opens `location` (a SQLite file or a PostgreSQL URL; "postgresql://"
/// alone means libpq's PG* variables) within `timeout`. Throws
/// failure(no_store) with the reason.
std::unique_ptr<store_view> open_store_view(const std::string& location,
                                            std::chrono::milliseconds timeout);

/// Throws failure(no_store) unless the liner tables (and, for `views`,
/// liner-caf's views) are in the store.
void require_schema(store_view& store, bool views = true);

} // namespace liner::cli
