// PostgreSQL backend: one libpq connection (a pg::session, every request
// bounded by the caller's deadline), liner's exact schema (spec 6.4),
// created under an advisory lock so that processes starting together on an
// empty database never trip over each other. A request that misses its
// deadline drops the connection (its state is unknown); reconnect() opens a
// new one.
#include <libpq-fe.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>
#include <memory>

#include "runtime/big_endian.hpp"
#include "runtime/defaults.hpp"
#include "stores/pg_session.hpp"
#include "stores/postgres_catalog_feed.hpp"
#include "stores/postgres_outbox.hpp"
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

std::string statement_name(sql::statement id) {
  return "liner_" + std::to_string(static_cast<std::size_t>(id));
}

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
  postgres_connection(std::string url, std::string application_name,
                      std::chrono::milliseconds timeout)
    : url_(std::move(url)), application_name_(std::move(application_name)),
      session_(url_, application_name_) {
    set_deadline(clock_type::now() + timeout);
    open();
  }

  void set_deadline(clock::time_point deadline) override { session_.set_deadline(deadline); }
  bool connected() const override { return session_.connected(); }
  void reconnect() override { open(); }

  void begin() override { session_.exec("BEGIN"); }
  void commit() override { session_.exec("COMMIT"); }
  void rollback() noexcept override {
    if (!session_.connected())
      return; // the server rolls back a dropped session by itself
    try {
      session_.exec("ROLLBACK");
    } catch (...) {
    }
  }

  catalog_feed_opener catalog_feed_source() const override {
    return postgres_catalog_feed_opener(url_, application_name_ + " (catalog feed)");
  }

  sql::rows run(sql::statement id, std::initializer_list<sql::param> params) override {
    auto index = static_cast<std::size_t>(id);
    PGconn* conn = session_.get();
    if (!conn)
      throw pg::session::lost("not connected");
    if (!prepared_[index]) {
      auto name = statement_name(id);
      auto text = sql::dollar_text(id);
      if (!PQsendPrepare(conn, name.c_str(), text.c_str(), 0, nullptr))
        session_.fail_connection("cannot send the request");
      session_.collect();
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
    if (!PQsendQueryPrepared(conn, name.c_str(), n, values, lengths, formats, 1))
      session_.fail_connection("cannot send the request");
    auto r = session_.collect();
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

  std::vector<int64_t> append_frames(int32_t ck, const std::vector<std::vector<char>>& frames,
                                     int64_t delete_up_to_id) override {
    PGconn* conn = session_.get();
    if (!conn)
      throw pg::session::lost("not connected");
    if (!append_prepared_) {
      if (!PQsendPrepare(conn, append_statement_name, append_statement, 0, nullptr))
        session_.fail_connection("cannot send the request");
      session_.collect();
      append_prepared_ = true;
    }
    auto array = bytea_array(frames);
    auto key = std::to_string(ck);
    auto up_to = std::to_string(delete_up_to_id);
    const char* values[] = {key.c_str(), array.data(), up_to.c_str()};
    int lengths[] = {0, static_cast<int>(array.size()), 0};
    int formats[] = {0, 1, 0};
    if (!PQsendQueryPrepared(conn, append_statement_name, 3, values, lengths, formats, 1))
      session_.fail_connection("cannot send the request");
    auto r = session_.collect();
    std::vector<int64_t> ids;
    ids.reserve(frames.size());
    for (int i = 0; i < PQntuples(r.get()); ++i)
      ids.push_back(std::get<int64_t>(read_field(r.get(), i, 0)));
    std::sort(ids.begin(), ids.end()); // nextval() ran in the frames' order
    return ids;
  }

private:
  static constexpr std::size_t max_params = 4;

  // The whole append in one statement: one round trip, its own transaction.
  static constexpr const char* append_statement_name = "liner_append";
  static constexpr const char* append_statement =
    "WITH acked AS (DELETE FROM conn_messages WHERE connection_key = $1 AND id <= $3) "
    "INSERT INTO conn_messages (connection_key, payload) "
    "SELECT $1, f FROM unnest($2::bytea[]) WITH ORDINALITY AS u (f, n) ORDER BY n RETURNING id";

  // A one-dimensional bytea[] in PostgreSQL's binary array format.
  static std::string bytea_array(const std::vector<std::vector<char>>& frames) {
    std::size_t size = 20;
    for (auto& f : frames)
      size += 4 + f.size();
    if (size > INT32_MAX || frames.size() > INT32_MAX)
      throw store_error("postgres: too many frames for one append (" + std::to_string(size)
                        + " bytes)");
    std::string out(size, '\0');
    char* p = out.data();
    auto put = [&](uint32_t v) {
      big_endian::write_u32(p, v);
      p += 4;
    };
    put(1);  // dimensions
    put(0);  // no NULLs
    put(17); // element type: bytea
    put(static_cast<uint32_t>(frames.size()));
    put(1); // lower bound
    for (auto& f : frames) {
      put(static_cast<uint32_t>(f.size()));
      std::copy(f.begin(), f.end(), p);
      p += f.size();
    }
    return out;
  }

  // Connects (by the deadline), then creates the schema.
  void open() {
    session_.open();
    std::fill(std::begin(prepared_), std::end(prepared_), false);
    append_prepared_ = false;
    auto lock_timeout = std::to_string(defaults::store_lock_timeout.count());
    session_.exec("SET lock_timeout = '" + lock_timeout + "ms'");
    // A mesh with a namespace gets its schema (and everything in it) here.
    std::string create_namespace;
    if (!session_.name_space().empty())
      create_namespace = "CREATE SCHEMA IF NOT EXISTS " + session_.quoted_name_space() + "; ";
    session_.exec("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(schema_lock_key) + "); "
                  + create_namespace + postgres_schema + postgres_notify_schema + postgres_outbox_schema
                  + sql::extension_schema + sql::operator_views(sql::dialect::postgres)
                  + "COMMIT;");
  }

  const std::string url_;
  const std::string application_name_;
  pg::session session_;
  bool prepared_[sql::statement_count] = {};
  bool append_prepared_ = false;
};

} // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& url, std::string unique_name,
                                           std::chrono::milliseconds timeout) {
  try {
    auto application_name = "liner " + unique_name;
    return std::make_unique<SqlStore>(
      std::move(unique_name),
      std::make_unique<postgres_connection>(url, std::move(application_name), timeout));
  } catch (const std::exception& e) {
    throw store_error(std::string("postgres: cannot open store: ") + e.what());
  }
}

} // namespace liner
