#include "support/test_backends.hpp"

#include "stores/pg_conninfo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <unistd.h>

namespace liner::test {

namespace fs = std::filesystem;

temp_dir::temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "liner-test-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string postgres_url() {
  const char* url = std::getenv("LINER_TEST_POSTGRES_URL");
  if (!url || !*url)
    throw std::runtime_error("LINER_TEST_POSTGRES_URL is not set: start a server with "
                             "scripts/pg start, or run scripts/test");
  return url;
}

std::string url_with_option(const std::string& url, const std::string& option) {
  return pg::with_server_option(url, option);
}

std::string url_with_schema(const std::string& url, const std::string& schema) {
  return url_with_option(url, "-csearch_path=" + schema);
}

namespace {

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(getpid()) + "_" + std::to_string(counter++) + "_"
         + std::to_string(rd() % 100000);
}

class sqlite_database : public test_database {
public:
  sqlite_database() : path_(dir_.path() + "/liner.db") {}
  std::string kind() const override { return "sqlite"; }
  std::string location() const override { return path_; }
  std::unique_ptr<Store> open(const std::string& name) override {
    return open_sqlite_store(path_, name);
  }
  void exec(const std::string& sql) override { db().exec(sql); }
  int64_t scalar(const std::string& sql) override {
    SQLite::Statement q{db(), sql};
    return q.executeStep() ? q.getColumn(0).getInt64() : -1;
  }
  std::string text(const std::string& sql) override {
    SQLite::Statement q{db(), sql};
    return q.executeStep() ? q.getColumn(0).getString() : std::string{};
  }

private:
  SQLite::Database& db() {
    if (!raw_) {
      raw_ = std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      raw_->setBusyTimeout(5000);
    }
    return *raw_;
  }
  temp_dir dir_;
  std::string path_;
  std::unique_ptr<SQLite::Database> raw_;
};

class postgres_database : public test_database {
public:
  postgres_database()
    : base_url_(postgres_url()), schema_("liner_test_" + unique_suffix()),
      url_(url_with_schema(base_url_, schema_)) {
    pqxx::connection admin{base_url_};
    pqxx::nontransaction w{admin};
    w.exec("CREATE SCHEMA " + schema_);
  }
  ~postgres_database() override {
    raw_.reset();
    try {
      pqxx::connection admin{base_url_};
      pqxx::nontransaction w{admin};
      w.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "dropping " << schema_ << ": " << e.what();
    }
  }
  std::string kind() const override { return "postgres"; }
  std::string location() const override { return url_; }
  std::unique_ptr<Store> open(const std::string& name) override {
    return open_postgres_store(url_, name);
  }
  void exec(const std::string& sql) override {
    pqxx::nontransaction w{conn()};
    w.exec(sql);
  }
  int64_t scalar(const std::string& sql) override {
    pqxx::nontransaction w{conn()};
    auto r = w.exec(sql);
    return r.empty() ? -1 : r[0][0].as<int64_t>();
  }
  std::string text(const std::string& sql) override {
    pqxx::nontransaction w{conn()};
    auto r = w.exec(sql);
    return r.empty() ? std::string{} : r[0][0].as<std::string>();
  }

private:
  pqxx::connection& conn() {
    if (!raw_)
      raw_ = std::make_unique<pqxx::connection>(url_);
    return *raw_;
  }
  std::string base_url_;
  std::string schema_;
  std::string url_;
  std::unique_ptr<pqxx::connection> raw_;
};

} // namespace

std::unique_ptr<test_database> make_test_database(const std::string& kind) {
  if (kind == "sqlite")
    return std::make_unique<sqlite_database>();
  if (kind == "postgres")
    return std::make_unique<postgres_database>();
  throw std::invalid_argument("unknown backend " + kind);
}

} // namespace liner::test
