// PostgreSQL backend: one libpq connection, liner's exact schema (spec 6.4),
// created under an advisory lock so that processes starting together on an
// empty database never trip over each other.
//
// Every request runs on libpq's asynchronous interface and waits on the
// socket with poll() until the caller's deadline: a server that is frozen
// (SIGSTOP), partitioned away or hung can never block the store actor for
// longer than that. A request that misses its deadline drops the connection
// (its state is unknown); reconnect() opens a new one.
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "runtime/big_endian.hpp"
#include "runtime/defaults.hpp"
#include "stores/sql_store.hpp"

namespace liner {

namespace {

using clock_type = std::chrono::steady_clock;

// Any constant works; it only has to be the same for every liner process.
constexpr long long schema_lock_key = 0x6c696e6572; // "liner"

const char* const postgres_schema = R"sql(
CREATE TABLE IF NOT EXISTS seq (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v INTEGER NOT NULL
);
INSERT INTO seq (id, v) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS topic_addr (
    topic TEXT NOT NULL,
    addr TEXT NOT NULL,
    client_name TEXT NOT NULL,
    PRIMARY KEY (topic, addr)
);

CREATE TABLE IF NOT EXISTS sender_listener (
    sender_key TEXT NOT NULL,
    addr TEXT NOT NULL,
    listener_topic TEXT NOT NULL,
    client_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sender_key, addr)
);

CREATE TABLE IF NOT EXISTS conn_key_map (
    composite TEXT PRIMARY KEY,
    connection_key INTEGER NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS topic_key (
    topic TEXT PRIMARY KEY,
    k INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS conn_sender (
    connection_key INTEGER PRIMARY KEY,
    sender_topic TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS conn_mess_number (
    connection_key INTEGER PRIMARY KEY,
    v BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS conn_messages (
    id BIGSERIAL PRIMARY KEY,
    connection_key INTEGER NOT NULL,
    payload BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_conn_messages_ck
    ON conn_messages(connection_key, id);

ALTER TABLE sender_listener ADD COLUMN IF NOT EXISTS client_name TEXT NOT NULL DEFAULT '';
)sql";

// libpq's messages end with a newline; keep error texts on one line.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\t')
      c = ' ';
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

std::string statement_name(sql::statement id) {
  return "liner_" + std::to_string(static_cast<std::size_t>(id));
}

// SQLSTATE classes that mean the session is gone: connection exceptions
// (08xxx) and operator intervention (57P01 admin shutdown, 57P02 crash
// shutdown, 57P03 cannot connect now).
bool session_gone(const char* sqlstate) {
  if (!sqlstate)
    return false;
  return std::strncmp(sqlstate, "08", 2) == 0 || std::strncmp(sqlstate, "57P0", 4) == 0;
}

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

// Binary results: integers are big-endian, text and bytea are raw bytes.
sql::field read_field(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col))
    return std::monostate{};
  const char* v = PQgetvalue(r, row, col);
  auto len = static_cast<std::size_t>(PQgetlength(r, row, col));
  switch (PQftype(r, col)) {
    case 20: // int8
      return static_cast<int64_t>(big_endian::read_u64(v));
    case 23: // int4
      return static_cast<int64_t>(static_cast<int32_t>(big_endian::read_u32(v)));
    case 21: // int2
      return static_cast<int64_t>(static_cast<int16_t>(big_endian::read_u16(v)));
    default:
      return std::string(v, len);
  }
}

class postgres_connection : public sql::connection {
public:
  postgres_connection(std::string url, std::chrono::milliseconds timeout) : url_(std::move(url)) {
    set_deadline(clock_type::now() + timeout);
    open();
  }

  ~postgres_connection() override { drop(); }

  void set_deadline(clock::time_point deadline) override { deadline_ = deadline; }
  bool connected() const override { return conn_ != nullptr; }
  void reconnect() override {
    drop();
    open();
  }

  void begin() override { exec_simple("BEGIN"); }
  void commit() override { exec_simple("COMMIT"); }
  void rollback() noexcept override {
    if (!conn_)
      return; // the server rolls back a dropped session by itself
    try {
      exec_simple("ROLLBACK");
    } catch (...) {
    }
  }

  sql::rows run(sql::statement id, std::initializer_list<sql::param> params) override {
    auto index = static_cast<std::size_t>(id);
    if (!conn_)
      throw lost("not connected");
    if (!prepared_[index]) {
      auto name = statement_name(id);
      auto text = sql::dollar_text(id);
      if (!PQsendPrepare(conn_, name.c_str(), text.c_str(), 0, nullptr))
        fail_send();
      collect();
      prepared_[index] = true;
    }
    // Integers and text go as text (the server infers int4/int8/text from
    // the statement), blobs as binary bytea.
    const char* values[max_params];
    int lengths[max_params];
    int formats[max_params];
    std::string numbers[max_params];
    if (params.size() > max_params)
      throw store_error("postgres: too many statement parameters");
    int n = 0;
    for (auto& p : params) {
      if (auto i = std::get_if<int64_t>(&p)) {
        numbers[n] = std::to_string(*i);
        values[n] = numbers[n].c_str();
        lengths[n] = 0;
        formats[n] = 0;
      } else if (auto s = std::get_if<std::string_view>(&p)) {
        numbers[n].assign(s->data(), s->size()); // NUL-terminated for libpq
        values[n] = numbers[n].c_str();
        lengths[n] = 0;
        formats[n] = 0;
      } else {
        auto& b = std::get<sql::blob>(p);
        values[n] = b.data;
        lengths[n] = static_cast<int>(b.size);
        formats[n] = 1;
      }
      ++n;
    }
    auto name = statement_name(id);
    if (!PQsendQueryPrepared(conn_, name.c_str(), n, values, lengths, formats, 1))
      fail_send();
    auto r = collect();
    sql::rows out;
    int rows = PQntuples(r.get()), cols = PQnfields(r.get());
    out.data.reserve(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      std::vector<sql::field> row;
      row.reserve(static_cast<std::size_t>(cols));
      for (int c = 0; c < cols; ++c)
        row.push_back(read_field(r.get(), i, c));
      out.data.push_back(std::move(row));
    }
    return out;
  }

private:
  static constexpr std::size_t max_params = 4;

  // Connects without blocking past the deadline, then creates the schema.
  void open() {
    conn_ = PQconnectStart(url_.c_str());
    if (!conn_)
      throw lost("out of memory");
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr); // "already exists, skipping"
    if (PQstatus(conn_) == CONNECTION_BAD)
      fail_connection("cannot connect");
    auto st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK) {
      if (st == PGRES_POLLING_FAILED)
        fail_connection("cannot connect");
      wait_socket(st == PGRES_POLLING_READING ? POLLIN : POLLOUT, "connecting");
      st = PQconnectPoll(conn_);
    }
    if (PQsetnonblocking(conn_, 1) != 0)
      fail_connection("cannot switch to non-blocking mode");
    std::fill(std::begin(prepared_), std::end(prepared_), false);
    auto lock_timeout = std::to_string(defaults::store_lock_timeout.count());
    exec_simple("SET lock_timeout = '" + lock_timeout + "ms'");
    exec_simple("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(schema_lock_key) + "); "
                + postgres_schema + sql::extension_schema + "COMMIT;");
  }

  void drop() noexcept {
    if (conn_)
      PQfinish(conn_);
    conn_ = nullptr;
  }

  // A store_error of kind connection_lost carrying libpq's reason; the
  // connection is dropped so that the next request reconnects.
  store_error lost(const std::string& why) {
    return store_error("connection to PostgreSQL lost: " + why, store_failure::connection_lost);
  }

  [[noreturn]] void fail_connection(const std::string& what) {
    std::string why = conn_ ? one_line(PQerrorMessage(conn_)) : std::string();
    drop();
    throw lost(what + (why.empty() ? "" : ": " + why));
  }

  [[noreturn]] void fail_send() { fail_connection("cannot send the request"); }

  // Waits until the socket is ready for `events`, at most until the deadline.
  void wait_socket(short events, const char* doing) {
    pollfd p{PQsocket(conn_), events, 0};
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock_type::now());
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

  // Sends what libpq buffered, then reads every result of the request. The
  // first failed result decides the error; the last result is returned.
  result_ptr collect() {
    int flushed;
    while ((flushed = PQflush(conn_)) == 1)
      wait_socket(POLLOUT | POLLIN, "sending");
    if (flushed < 0)
      fail_send();
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

  void exec_simple(const std::string& text) {
    if (!conn_)
      throw lost("not connected");
    if (!PQsendQuery(conn_, text.c_str()))
      fail_send();
    collect();
  }

  std::string url_;
  PGconn* conn_ = nullptr;
  clock::time_point deadline_{};
  bool prepared_[sql::statement_count] = {};
};

} // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& url, std::string unique_name,
                                           std::chrono::milliseconds timeout) {
  try {
    return std::make_unique<SqlStore>(std::move(unique_name),
                                      std::make_unique<postgres_connection>(url, timeout));
  } catch (const std::exception& e) {
    throw store_error(std::string("postgres: cannot open store: ") + e.what());
  }
}

} // namespace liner
