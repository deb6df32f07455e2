// One libpq connection driven through libpq's asynchronous interface, every
// step bounded by a deadline: connecting, sending and waiting for answers
// poll() the socket until then, so a PostgreSQL that is frozen (SIGSTOP),
// partitioned away or hung never blocks the caller longer. A request that
// misses its deadline drops the connection (its state is unknown).
//
// The store's connection (postgres_store.cpp) and the catalog feed
// (postgres_catalog_feed.cpp) are each one of these.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "stores/store.hpp"

namespace liner::pg {

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

/// libpq's messages end with a newline; error texts stay on one line.
std::string one_line(std::string s);

class session {
public:
  using clock = std::chrono::steady_clock;

  /// `application_name` is what pg_stat_activity shows for the connection
  /// unless the URL names one (empty: libpq's default).
  explicit session(std::string url, std::string application_name = {})
    : url_(std::move(url)), application_name_(std::move(application_name)) {}
  ~session() { drop(); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void set_deadline(clock::time_point deadline) { deadline_ = deadline; }
  bool connected() const { return conn_ != nullptr; }
  PGconn* get() const { return conn_; }

  /// Connects by the deadline (the URL parsed by libpq itself), then puts
  /// the session in its mesh's namespace, if it has one (see name_space);
  /// throws a store_error of kind connection_lost or timeout.
  void open();
  /// The namespace of the mesh: the `liner.namespace` setting of the
  /// session (`options=-cliner.namespace=NAME` in the URL, or in PGOPTIONS),
  /// else the LINER_NAMESPACE environment variable; empty for none. With
  /// one, open() sets search_path to that schema alone (quoted as given);
  /// without, the tables live where search_path leads, as in liner.
  const std::string& name_space() const { return name_space_; }
  /// The namespace's name quoted as an SQL identifier (only with one).
  std::string quoted_name_space() const;
  /// The first column of the first row of a query; nullopt for none or NULL.
  std::optional<std::string> value(const std::string& query);
  void drop() noexcept;

  /// Sends a query of one or more statements and reads every result.
  void exec(const std::string& text);
  /// Sends what libpq buffered, then reads every result of the request.
  /// The first failed result decides the error; the last result is returned.
  result_ptr collect();
  /// Waits until the socket is ready for `events`, at most until the deadline.
  void wait_socket(short events, const char* doing);

  /// A store_error of kind connection_lost carrying `why`.
  static store_error lost(const std::string& why);
  /// Drops the connection and throws lost(what + libpq's reason).
  [[noreturn]] void fail_connection(const std::string& what);
  /// The same for a connection that never came up (a first connect or a
  /// reconnect attempt): "cannot connect to PostgreSQL: <libpq's reason>".
  [[noreturn]] void fail_connect();

private:
  std::string url_;
  std::string application_name_;
  PGconn* conn_ = nullptr;
  clock::time_point deadline_{};
  std::string name_space_;
};

} // namespace liner::pg
