// SQLite backend: one SQLiteCpp connection, liner's exact schema (spec 6.3).
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "runtime/defaults.hpp"
#include "stores/sql_store.hpp"

namespace liner {

namespace {

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
  auto code = e.getErrorCode() & 0xff; // extended codes keep the primary in the low byte
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// A lock held by another connection: the store actor tries again until the
// deadline (SQLite's busy handler has already waited until then).
store_error failure(const SQLite::Exception& e) {
  if (is_busy(e))
    return store_error(std::string("SQLite database is locked by another connection: ") + e.what(),
                       store_failure::busy);
  return store_error(std::string("sqlite: ") + e.what());
}

// How hard a commit syncs: WAL with NORMAL keeps every committed
// transaction across a crash of the process (SIGKILL included), not across
// a power loss; FULL and EXTRA sync the log on every commit for that.
// LINER_SQLITE_SYNCHRONOUS picks one (docs/store-layout.md).
std::string synchronous_pragma() {
  std::string level = "normal";
  if (const char* env = std::getenv("LINER_SQLITE_SYNCHRONOUS"); env && *env)
    level = env;
  std::transform(level.begin(), level.end(), level.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (level != "normal" && level != "full" && level != "extra")
    throw store_error("LINER_SQLITE_SYNCHRONOUS must be normal, full or extra, not '" + level + "'");
  return "PRAGMA synchronous = " + level;
}

class sqlite_connection : public sql::connection {
public:
  sqlite_connection(const std::string& path, std::chrono::milliseconds timeout)
    : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {
    set_deadline(clock::now() + timeout);
    // Several processes may open a fresh file at the same moment: switching
    // to WAL and creating the schema can meet SQLITE_BUSY beyond the busy
    // handler, so those first steps retry until the deadline.
    auto synchronous = synchronous_pragma();
    retry_busy([&] {
      db_.exec("PRAGMA foreign_keys = ON");
      db_.execAndGet("PRAGMA journal_mode = WAL");
      db_.exec(synchronous);
    });
    retry_busy([&] {
      db_.exec("BEGIN IMMEDIATE");
      try {
        db_.exec(sqlite_schema);
        db_.exec(sql::extension_schema);
        if (!has_column("sender_listener", "client_name"))
          db_.exec("ALTER TABLE sender_listener ADD COLUMN client_name TEXT NOT NULL DEFAULT ''");
        db_.exec(sql::operator_views(sql::dialect::sqlite));
        db_.exec("COMMIT");
      } catch (...) {
        rollback();
        throw;
      }
    });
  }

  // The busy handler waits for locks until the deadline, no longer.
  void set_deadline(clock::time_point deadline) override {
    deadline_ = deadline;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    db_.setBusyTimeout(static_cast<int>(std::max<long long>(left.count(), 1)));
  }
  bool connected() const override { return true; } // a file does not go away
  void reconnect() override {}

  void begin() override { guarded([&] { db_.exec("BEGIN IMMEDIATE"); }); }
  void commit() override { guarded([&] { db_.exec("COMMIT"); }); }
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
      throw failure(e);
    }
  }

  std::vector<int64_t> append_frames(int32_t ck, const std::vector<std::vector<char>>& frames,
                                     int64_t delete_up_to_id) override {
    // A single statement in autocommit needs no transaction, and SQLite
    // then keeps no statement journal either.
    bool one_statement = delete_up_to_id == 0 && frames.size() <= append_rows_max;
    std::vector<int64_t> ids;
    ids.reserve(frames.size());
    if (!one_statement)
      begin();
    try {
      if (delete_up_to_id > 0)
        run(sql::statement::queue_delete_up_to, {int64_t{ck}, delete_up_to_id});
      for (std::size_t at = 0; at < frames.size(); at += append_rows_max) {
        auto n = std::min(append_rows_max, frames.size() - at);
        auto& st = append_statement(n);
        try {
          st.reset();
          st.clearBindings();
          st.bind(1, ck);
          for (std::size_t i = 0; i < n; ++i) // the frames outlive the statement's run
            st.bindNoCopy(static_cast<int>(i) + 2, frames[at + i].data(),
                          static_cast<int>(frames[at + i].size()));
          while (st.executeStep())
            ids.push_back(st.getColumn(0).getInt64());
          st.reset();
        } catch (const SQLite::Exception& e) {
          st.tryReset();
          throw failure(e);
        }
      }
      if (!one_statement)
        commit();
    } catch (...) {
      if (!one_statement)
        rollback();
      throw;
    }
    // RETURNING promises no order; AUTOINCREMENT ids rise in insertion order.
    std::sort(ids.begin(), ids.end());
    return ids;
  }

private:
  static constexpr std::size_t append_rows_max = 64; // rows per INSERT statement

  // "INSERT ... VALUES (?1, ?2), (?1, ?3), ... RETURNING id" for `rows` rows.
  SQLite::Statement& append_statement(std::size_t rows) {
    auto& slot = append_statements_[rows];
    if (!slot) {
      std::string text = "INSERT INTO conn_messages (connection_key, payload) VALUES ";
      for (std::size_t i = 0; i < rows; ++i)
        text += (i ? ", (?1, ?" : "(?1, ?") + std::to_string(i + 2) + ")";
      slot = std::make_unique<SQLite::Statement>(db_, text + " RETURNING id");
    }
    return *slot;
  }

  template <class F>
  static void guarded(F&& f) {
    try {
      f();
    } catch (const SQLite::Exception& e) {
      throw failure(e);
    }
  }

  template <class F>
  void retry_busy(F&& f) {
    while (true) {
      try {
        f();
        return;
      } catch (const SQLite::Exception& e) {
        if (!is_busy(e) || clock::now() > deadline_)
          throw;
        std::this_thread::sleep_for(defaults::store_busy_pause);
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
  clock::time_point deadline_{};
  std::array<std::unique_ptr<SQLite::Statement>, sql::statement_count> statements_;
  std::array<std::unique_ptr<SQLite::Statement>, append_rows_max + 1> append_statements_;
};

} // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, std::string unique_name,
                                         std::chrono::milliseconds timeout) {
  if (path.empty())
    throw store_error("sqlite: empty path");
  try {
    return std::make_unique<SqlStore>(std::move(unique_name),
                                      std::make_unique<sqlite_connection>(path, timeout));
  } catch (const SQLite::Exception& e) {
    throw store_error("sqlite: cannot open " + path + ": " + e.what());
  }
}

} // namespace liner
