#include "stores/pg_session.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "runtime/knobs.hpp"
#include "runtime/net_address.hpp"

namespace liner::pg {

namespace {

// SQLSTATE classes that mean the session is gone: connection exceptions
// (08xxx) and operator intervention (57P01 admin shutdown, 57P02 crash
// shutdown, 57P03 cannot connect now).
bool session_gone(const char* sqlstate) {
  if (!sqlstate)
    return false;
  return std::strncmp(sqlstate, "08", 2) == 0 || std::strncmp(sqlstate, "57P0", 4) == 0;
}

} // namespace

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\t')
      c = ' ';
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

store_error session::lost(const std::string& why) {
  return store_error("connection to PostgreSQL lost: " + why, store_failure::connection_lost);
}

void session::open() {
  drop();
  // The URL goes to libpq whole (expand_dbname): its own parser reads it,
  // an empty one leaves everything to the PG* environment variables, and
  // the application name applies only if neither names one.
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {url_.c_str(),
                          application_name_.empty() ? nullptr : application_name_.c_str(), nullptr};
  conn_ = PQconnectStartParams(keys, values, 1);
  if (!conn_)
    throw lost("out of memory");
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr); // "already exists, skipping"
  if (PQstatus(conn_) == CONNECTION_BAD)
    fail_connect();
  // A server behind a partition: an idle session (the catalog feed's
  // LISTEN) would otherwise look alive for hours (docs/failure-modes.md).
  // Set at every step of the connect, on whatever socket libpq has then (it
  // may try several addresses): a handful of setsockopt calls per connect.
  auto st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED)
      fail_connect();
    if (PQsocket(conn_) >= 0)
      net::set_liveness(PQsocket(conn_), knobs::peer_timeout());
    wait_socket(st == PGRES_POLLING_READING ? POLLIN : POLLOUT, "connecting");
    st = PQconnectPoll(conn_);
  }
  net::set_liveness(PQsocket(conn_), knobs::peer_timeout());
  if (PQsetnonblocking(conn_, 1) != 0)
    fail_connection("cannot switch to non-blocking mode");
  name_space_ = value("SELECT current_setting('liner.namespace', true)").value_or("");
  if (name_space_.empty())
    if (const char* env = std::getenv("LINER_NAMESPACE"))
      name_space_ = env;
  if (!name_space_.empty())
    exec("SET search_path = " + quoted_name_space());
}

std::string session::quoted_name_space() const {
  std::unique_ptr<char, decltype(&PQfreemem)> q{
    PQescapeIdentifier(conn_, name_space_.c_str(), name_space_.size()), &PQfreemem};
  if (!q)
    throw store_error("postgres: namespace '" + name_space_ + "' cannot be quoted");
  return q.get();
}

std::optional<std::string> session::value(const std::string& query) {
  if (!conn_)
    throw lost("not connected");
  if (!PQsendQuery(conn_, query.c_str()))
    fail_connection("cannot send the request");
  auto r = collect();
  if (!r || PQntuples(r.get()) < 1 || PQnfields(r.get()) < 1 || PQgetisnull(r.get(), 0, 0))
    return std::nullopt;
  return std::string(PQgetvalue(r.get(), 0, 0));
}

void session::drop() noexcept {
  if (conn_)
    PQfinish(conn_);
  conn_ = nullptr;
}

void session::fail_connection(const std::string& what) {
  std::string why = conn_ ? one_line(PQerrorMessage(conn_)) : std::string();
  drop();
  throw lost(what + (why.empty() ? "" : ": " + why));
}

void session::fail_connect() {
  std::string why = conn_ ? one_line(PQerrorMessage(conn_)) : std::string();
  drop();
  // The same failure kind as a lost connection: callers retry both alike.
  throw store_error("cannot connect to PostgreSQL" + (why.empty() ? "" : ": " + why),
                    store_failure::connection_lost);
}

void session::wait_socket(short events, const char* doing) {
  pollfd p{PQsocket(conn_), events, 0};
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock::now());
    if (left.count() <= 0) {
      drop();
      throw store_error(std::string("PostgreSQL did not answer in time (") + doing + ")",
                        store_failure::timeout);
    }
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n > 0)
      return;
    if (n < 0 && errno != EINTR)
      fail_connection(std::string("poll failed: ") + std::strerror(errno));
  }
}

result_ptr session::collect() {
  int flushed;
  while ((flushed = PQflush(conn_)) == 1)
    wait_socket(POLLOUT | POLLIN, "sending");
  if (flushed < 0)
    fail_connection("cannot send the request");
  result_ptr last, failed;
  while (true) {
    while (PQisBusy(conn_)) {
      wait_socket(POLLIN, "waiting for the answer");
      if (!PQconsumeInput(conn_))
        fail_connection("reading the answer");
    }
    result_ptr r{PQgetResult(conn_)};
    if (!r)
      break;
    auto status = PQresultStatus(r.get());
    if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) {
      if (!failed)
        failed = std::move(r);
    } else {
      last = std::move(r);
    }
  }
  if (failed) {
    const char* state = PQresultErrorField(failed.get(), PG_DIAG_SQLSTATE);
    std::string message = one_line(PQresultErrorMessage(failed.get()));
    if (PQstatus(conn_) == CONNECTION_BAD || session_gone(state)) {
      drop();
      throw lost(message);
    }
    throw store_error("postgres: " + message);
  }
  if (PQstatus(conn_) == CONNECTION_BAD)
    fail_connection("connection closed");
  return last;
}

void session::exec(const std::string& text) {
  if (!conn_)
    throw lost("not connected");
  if (!PQsendQuery(conn_, text.c_str()))
    fail_connection("cannot send the request");
  collect();
}

} // namespace liner::pg
