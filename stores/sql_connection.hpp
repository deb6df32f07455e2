// The small SQL surface the shared store logic needs from a backend: run a
// statement from the common table with positional parameters, read rows,
// and group statements into a write transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "stores/sql_statements.hpp"
#include "stores/store.hpp"

namespace liner::sql {

struct blob {
  const char* data;
  std::size_t size;
};

using param = std::variant<int64_t, std::string_view, blob>;

/// A field read back: NULL, an integer, or text/blob bytes.
using field = std::variant<std::monostate, int64_t, std::string>;

class rows {
public:
  std::vector<std::vector<field>> data;

  bool empty() const { return data.empty(); }
  std::size_t size() const { return data.size(); }
  int64_t integer(std::size_t row, std::size_t col) const;
  const std::string& text(std::size_t row, std::size_t col) const;
};

class connection {
public:
  using clock = std::chrono::steady_clock;
  virtual ~connection() = default;

  /// See Store::set_deadline, connected and reconnect.
  virtual void set_deadline(clock::time_point deadline) = 0;
  virtual bool connected() const = 0;
  virtual void reconnect() = 0;
  /// See Store::catalog_feed_source (none by default).
  virtual catalog_feed_opener catalog_feed_source() const { return {}; }

  /// Starts a write transaction (SQLite: BEGIN IMMEDIATE, so that readers
  /// never have to upgrade their lock later).
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  /// Runs a statement and returns its rows (empty for statements without).
  virtual rows run(statement id, std::initializer_list<param> params) = 0;

  /// Store::append_to_queue for a non-empty `frames`: each backend does it
  /// its fastest way (PostgreSQL: one statement, one round trip; SQLite:
  /// multi-row INSERTs). The ids, in the frames' order.
  virtual std::vector<int64_t> append_frames(int32_t ck, const std::vector<std::vector<char>>& frames,
                                             int64_t delete_up_to_id) = 0;
};

/// Rolls back unless committed.
class transaction {
public:
  explicit transaction(connection& c) : c_(c) { c_.begin(); }
  ~transaction() {
    if (!done_)
      c_.rollback();
  }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit() {
    c_.commit();
    done_ = true;
  }

private:
  connection& c_;
  bool done_ = false;
};

} // namespace liner::sql
