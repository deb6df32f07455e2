// SQLite backend: one SQLiteCpp connection, liner's exact schema (spec 6.3).
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <thread>

#include "stores/sql_store.hpp"

namespace liner {

namespace {

constexpr int busy_timeout_ms = 5000;

const char* const sqlite_schema = R"sql(
CREATE TABLE IF NOT EXISTS seq (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v INTEGER NOT NULL
);
INSERT OR IGNORE INTO seq (id, v) VALUES (1, 0);

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
    v INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS conn_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_key INTEGER NOT NULL,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_conn_messages_ck
    ON conn_messages(connection_key, id);
)sql";

bool is_busy(const SQLite::Exception& e) {
  return e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED;
}

class sqlite_connection : public sql::connection {
public:
  explicit sqlite_connection(const std::string& path)
    : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {
    db_.setBusyTimeout(busy_timeout_ms);
    // Several processes may open a fresh file at the same moment: switching
    // to WAL and creating the schema can meet SQLITE_BUSY beyond the busy
    // handler, so those first steps retry until the usual 5 s are up.
    retry_busy([&] {
      db_.exec("PRAGMA foreign_keys = ON");
      db_.execAndGet("PRAGMA journal_mode = WAL");
    });
    retry_busy([&] {
      db_.exec("BEGIN IMMEDIATE");
      try {
        db_.exec(sqlite_schema);
        if (!has_column("sender_listener", "client_name"))
          db_.exec("ALTER TABLE sender_listener ADD COLUMN client_name TEXT NOT NULL DEFAULT ''");
        db_.exec("COMMIT");
      } catch (...) {
        rollback();
        throw;
      }
    });
  }

  void begin() override { db_.exec("BEGIN IMMEDIATE"); }
  void commit() override { db_.exec("COMMIT"); }
  void rollback() noexcept override {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
    }
  }

  sql::rows run(sql::statement id, std::initializer_list<sql::param> params) override {
    try {
      auto& st = prepared(id);
      st.reset();
      st.clearBindings();
      int index = 1;
      for (auto& p : params)
        bind(st, index++, p);
      sql::rows out;
      while (st.executeStep()) {
        std::vector<sql::field> row;
        row.reserve(static_cast<std::size_t>(st.getColumnCount()));
        for (int c = 0; c < st.getColumnCount(); ++c)
          row.push_back(read(st.getColumn(c)));
        out.data.push_back(std::move(row));
      }
      st.reset();
      return out;
    } catch (const SQLite::Exception& e) {
      if (auto st = statements_[static_cast<std::size_t>(id)].get())
        st->tryReset();
      throw store_error(std::string("sqlite: ") + e.what());
    }
  }

private:
  template <class F>
  static void retry_busy(F&& f) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    while (true) {
      try {
        f();
        return;
      } catch (const SQLite::Exception& e) {
        if (!is_busy(e) || std::chrono::steady_clock::now() > deadline)
          throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }

  bool has_column(const char* table, const char* column) {
    SQLite::Statement q{db_, std::string("PRAGMA table_info(") + table + ")"};
    while (q.executeStep())
      if (q.getColumn(1).getString() == column)
        return true;
    return false;
  }

  SQLite::Statement& prepared(sql::statement id) {
    auto& slot = statements_[static_cast<std::size_t>(id)];
    if (!slot)
      slot = std::make_unique<SQLite::Statement>(db_, sql::text(id));
    return *slot;
  }

  static void bind(SQLite::Statement& st, int index, const sql::param& p) {
    if (auto i = std::get_if<int64_t>(&p)) {
      st.bind(index, *i);
    } else if (auto s = std::get_if<std::string_view>(&p)) {
      st.bind(index, std::string(*s));
    } else {
      auto& b = std::get<sql::blob>(p); // outlives the statement's execution
      st.bindNoCopy(index, b.data, static_cast<int>(b.size));
    }
  }

  static sql::field read(const SQLite::Column& c) {
    if (c.isNull())
      return std::monostate{};
    if (c.isInteger())
      return static_cast<int64_t>(c.getInt64());
    return std::string(static_cast<const char*>(c.getBlob()),
                       static_cast<std::size_t>(c.getBytes()));
  }

  SQLite::Database db_;
  std::array<std::unique_ptr<SQLite::Statement>, sql::statement_count> statements_;
};

} // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, std::string unique_name) {
  if (path.empty())
    throw store_error("sqlite: empty path");
  try {
    return std::make_unique<SqlStore>(std::move(unique_name),
                                      std::make_unique<sqlite_connection>(path));
  } catch (const SQLite::Exception& e) {
    throw store_error("sqlite: cannot open " + path + ": " + e.what());
  }
}

} // namespace liner
