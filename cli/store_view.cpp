#include "cli/store_view.hpp"

#include <libpq-fe.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "cli/failure.hpp"
#include "stores/pg_session.hpp"

namespace liner::cli {

namespace {

const std::string empty_cell;

class sqlite_view final : public store_view {
public:
  sqlite_view(const std::string& path, std::chrono::milliseconds timeout) try
    : path_(path), db_(path, SQLite::OPEN_READWRITE) { // never creates a file
    db_.setBusyTimeout(static_cast<int>(timeout.count()));
  } catch (const std::exception& e) {
    throw failure(no_store, "cannot open the SQLite store " + path + ": " + e.what());
  }

  std::string kind() const override { return "sqlite"; }
  std::string describe() const override { return path_; }

  table query(const std::string& sql, const std::vector<std::string>& params) override {
    try {
      SQLite::Statement q{db_, sql};
      for (std::size_t i = 0; i < params.size(); ++i)
        q.bind(static_cast<int>(i + 1), params[i]);
      table t;
      for (int c = 0; c < q.getColumnCount(); ++c)
        t.columns.emplace_back(q.getColumnName(c));
      while (q.executeStep()) {
        auto& row = t.rows.emplace_back();
        for (int c = 0; c < q.getColumnCount(); ++c) {
          auto col = q.getColumn(c);
          row.push_back(col.isNull() ? std::nullopt : std::optional<std::string>(col.getString()));
        }
      }
      return t;
    } catch (const SQLite::Exception& e) {
      throw failure(problem, "SQLite store " + path_ + ": " + e.what());
    }
  }

  std::set<std::string> relations() override {
    std::set<std::string> names;
    for (auto& row : query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')", {}).rows)
      names.insert(row[0].value_or(""));
    return names;
  }

private:
  std::string path_;
  SQLite::Database db_;
};

class postgres_view final : public store_view {
public:
  postgres_view(const std::string& url, std::chrono::milliseconds timeout)
    : session_(url, "liner (operator command)"), timeout_(timeout) {
    try {
      session_.set_deadline(pg::session::clock::now() + timeout_);
      session_.open();
    } catch (const std::exception& e) {
      throw failure(no_store, "cannot reach the PostgreSQL store: " + pg::one_line(e.what()));
    }
  }

  std::string kind() const override { return "postgres"; }
  std::string describe() const override {
    auto* c = session_.get();
    std::string where = std::string("database ") + PQdb(c) + " on " + PQhost(c) + ":" + PQport(c);
    if (!session_.name_space().empty())
      where += ", namespace " + session_.name_space();
    return where;
  }

  table query(const std::string& sql, const std::vector<std::string>& params) override {
    std::vector<const char*> values;
    for (auto& p : params)
      values.push_back(p.c_str());
    try {
      if (!session_.connected())
        throw std::runtime_error("the connection was lost");
      session_.set_deadline(pg::session::clock::now() + timeout_);
      if (!PQsendQueryParams(session_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0))
        session_.fail_connection("cannot send the query");
      auto r = session_.collect();
      table t;
      if (!r)
        return t;
      for (int c = 0; c < PQnfields(r.get()); ++c)
        t.columns.emplace_back(PQfname(r.get(), c));
      for (int i = 0; i < PQntuples(r.get()); ++i) {
        auto& row = t.rows.emplace_back();
        for (int c = 0; c < PQnfields(r.get()); ++c)
          row.push_back(PQgetisnull(r.get(), i, c)
                          ? std::nullopt
                          : std::optional<std::string>(PQgetvalue(r.get(), i, c)));
      }
      return t;
    } catch (const store_error& e) {
      bool gone = e.kind() != store_failure::error;
      throw failure(gone ? no_store : problem, "PostgreSQL store: " + pg::one_line(e.what()));
    } catch (const std::exception& e) {
      throw failure(no_store, "PostgreSQL store: " + pg::one_line(e.what()));
    }
  }

  std::set<std::string> relations() override {
    std::set<std::string> names;
    auto t = query("SELECT table_name::text FROM information_schema.tables "
                   "WHERE table_schema = current_schema()", {});
    for (auto& row : t.rows)
      names.insert(row[0].value_or(""));
    return names;
  }

private:
  pg::session session_;
  std::chrono::milliseconds timeout_;
};

} // namespace

const std::string& table::cell(std::size_t row, const std::string& column) const {
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c] == column)
      return rows.at(row).at(c) ? *rows[row][c] : empty_cell;
  throw std::out_of_range("no column " + column);
}

bool is_postgres_location(const std::string& location) {
  if (location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0)
    return true;
  if (location.find('=') == std::string::npos)
    return false;
  // key=value: only if libpq's own parser takes it.
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(location.c_str(), &error);
  PQfreemem(error);
  if (!options)
    return false;
  PQconninfoFree(options);
  return true;
}

bool is_redis_location(const std::string& location) {
  for (const char* scheme : {"redis://", "unix://", "redis+unix://"})
    if (location.rfind(scheme, 0) == 0)
      return true;
  return false;
}

std::unique_ptr<store_view> open_store_view(const std::string& location,
                                            std::chrono::milliseconds timeout) {
  if (location.empty())
    throw failure(usage, "no store: give --store PATH|URL or set LINER_STORE");
  if (is_redis_location(location))
    throw failure(usage, "this command reads SQLite and PostgreSQL stores; on Redis use send and "
                         "listen, and redis-cli for the rest (docs/store-layout.md, \"Redis\")");
  if (is_postgres_location(location))
    return std::make_unique<postgres_view>(location, timeout);
  return std::make_unique<sqlite_view>(location, timeout);
}

void require_schema(store_view& store, bool views) {
  auto names = store.relations();
  if (!names.count("topic_addr"))
    throw failure(no_store, "no liner tables in " + store.describe()
                              + ": is it the mesh's store (and namespace)?");
  if (views && !names.count("liner_peers"))
    throw failure(no_store, "the liner-caf views are not in " + store.describe()
                              + " yet: a liner-caf client creates them when it opens the store");
}

} // namespace liner::cli
