#include "support/test_backends.hpp"

#include "stores/pg_conninfo.hpp"
#include "stores/redis_connection.hpp"
#include "stores/redis_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>
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

std::string redis_url() {
  const char* url = std::getenv("LINER_TEST_REDIS_URL");
  if (!url || !*url)
    throw std::runtime_error("LINER_TEST_REDIS_URL is not set: start a server with "
                             "scripts/redis start, or run scripts/test");
  return url;
}

std::vector<std::string> test_database::command(const std::vector<std::string>&) {
  throw std::logic_error("Redis commands on a " + kind() + " database");
}

std::string url_with_option(const std::string& url, const std::string& option) {
  return pg::with_server_option(url, option);
}

std::string url_with_schema(const std::string& url, const std::string& schema) {
  return url_with_option(url, "-csearch_path=" + schema);
}

namespace {

std::string sql_text(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The questions every kind answers, in SQL (liner's tables are the same on both).
class sql_database : public test_database {
public:
  int64_t catalog_count(const std::string& topic) override {
    return scalar("SELECT COUNT(*) FROM topic_addr"
                  + (topic.empty() ? std::string{} : " WHERE topic = " + sql_text(topic)));
  }
  void add_catalog_row(const std::string& topic, const std::string& addr,
                       const std::string& client_name) override {
    exec("INSERT INTO topic_addr (topic, addr, client_name) VALUES (" + sql_text(topic) + ", "
         + sql_text(addr) + ", " + sql_text(client_name) + ")");
  }
  void delete_catalog_rows(const std::string& topic, const std::string& client_name) override {
    exec("DELETE FROM topic_addr WHERE topic = " + sql_text(topic) + " AND client_name = "
         + sql_text(client_name));
  }
  int64_t key_counter() override { return scalar("SELECT v FROM seq WHERE id = 1"); }
  std::optional<int64_t> stored_connection_key(const std::string& sender,
                                               const std::string& sender_topic,
                                               const std::string& listener) override {
    auto v = scalar("SELECT connection_key FROM conn_key_map WHERE composite = "
                    + sql_text(sender + ":" + sender_topic + ":" + listener));
    return v < 0 ? std::nullopt : std::optional<int64_t>{v};
  }
  int64_t connection_key_count() override { return scalar("SELECT COUNT(*) FROM conn_key_map"); }
  std::optional<int64_t> stored_ack(int32_t ck) override {
    auto v = scalar("SELECT v FROM conn_mess_number WHERE connection_key = " + std::to_string(ck));
    return v < 0 ? std::nullopt : std::optional<int64_t>{v};
  }
  int64_t queue_length(int32_t ck) override {
    return scalar("SELECT COUNT(*) FROM conn_messages WHERE connection_key = " + std::to_string(ck));
  }
  int64_t sender_route_count(const std::string& sender, const std::string& sender_topic) override {
    return scalar("SELECT COUNT(*) FROM sender_listener WHERE sender_key = "
                  + sql_text(sender + ":" + sender_topic));
  }
};

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(getpid()) + "_" + std::to_string(counter++) + "_"
         + std::to_string(rd() % 100000);
}

class sqlite_database : public sql_database {
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

class postgres_database : public sql_database {
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
  int64_t catalog_feeds(const std::string& client_name) override {
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                  + sql_text("liner " + client_name + " (catalog feed)"));
  }
  int64_t kill_catalog_feeds(const std::string& client_name) override {
    return scalar("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE application_name = "
                  + sql_text("liner " + client_name + " (catalog feed)") + ") t");
  }
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

// A database of its own on the test server (scripts/redis makes 10000):
// numbers handed out by a counter in database 0, emptied before and after.
class redis_database : public test_database {
public:
  explicit redis_database(const std::string& base_url) : base_(redis::parse_url(base_url)) {
    redis::connection admin{base_url};
    admin.set_deadline(redis::connection::clock::now() + std::chrono::seconds{10});
    admin.connect();
    auto n = admin.run({"INCR", "liner_test:next_db"}).integer;
    db_ = static_cast<int>(1 + n % 9999);
    std::string auth; // the password percent-encoded, as a URL needs it
    for (unsigned char c : base_.password) {
      static const char* hex = "0123456789ABCDEF";
      if (std::isalnum(c))
        auth += static_cast<char>(c);
      else
        auth += std::string("%") + hex[c >> 4] + hex[c & 15];
    }
    auto host = base_.host.find(':') != std::string::npos ? "[" + base_.host + "]" : base_.host;
    url_ = "redis://" + (auth.empty() ? std::string{} : ":" + auth + "@") + host + ":"
           + std::to_string(base_.port) + "/" + std::to_string(db_);
    command({"FLUSHDB"});
  }
  ~redis_database() override {
    try {
      command({"FLUSHDB"});
    } catch (const std::exception& e) {
      ADD_FAILURE() << "emptying Redis database " << db_ << ": " << e.what();
    }
  }
  std::string kind() const override { return "redis"; }
  std::string location() const override { return url_; }
  std::unique_ptr<Store> open(const std::string& name) override {
    return open_redis_store(url_, name);
  }
  void exec(const std::string&) override { throw std::logic_error("SQL on Redis"); }
  int64_t scalar(const std::string&) override { throw std::logic_error("SQL on Redis"); }
  std::string text(const std::string&) override { throw std::logic_error("SQL on Redis"); }
  std::vector<std::string> command(const std::vector<std::string>& args) override {
    auto& c = conn();
    c.set_deadline(redis::connection::clock::now() + std::chrono::seconds{10});
    redis::command cmd(args.begin(), args.end());
    auto v = c.run(cmd);
    std::vector<std::string> out;
    flatten(v, out);
    return out;
  }

  int64_t catalog_count(const std::string& topic) override {
    if (!topic.empty())
      return number(command({"HLEN", "lnr_topic:" + redis::key_part(topic) + ":addr"}));
    int64_t n = 0;
    for (auto& key : keys("lnr_topic:*:addr"))
      n += number(command({"HLEN", key}));
    return n;
  }
  void add_catalog_row(const std::string& topic, const std::string& addr,
                       const std::string& client_name) override {
    command({"HSET", "lnr_topic:" + redis::key_part(topic) + ":addr", addr, client_name});
  }
  void delete_catalog_rows(const std::string& topic, const std::string& client_name) override {
    auto key = "lnr_topic:" + redis::key_part(topic) + ":addr";
    auto v = command({"HGETALL", key});
    for (std::size_t i = 0; i + 1 < v.size(); i += 2)
      if (v[i + 1] == client_name)
        command({"HDEL", key, v[i]});
  }
  int64_t catalog_feeds(const std::string& client_name) override {
    return static_cast<int64_t>(feed_ids(client_name).size());
  }
  int64_t kill_catalog_feeds(const std::string& client_name) override {
    int64_t n = 0;
    for (auto& id : feed_ids(client_name))
      n += number(command({"CLIENT", "KILL", "ID", id}));
    return n;
  }
  int64_t key_counter() override {
    auto v = command({"GET", "lnr_unique_key"});
    return v.empty() ? 0 : std::stoll(v[0]);
  }
  std::optional<int64_t> stored_connection_key(const std::string& sender,
                                               const std::string& sender_topic,
                                               const std::string& listener) override {
    auto v = command({"GET", "lnr_connection:" + redis::key_part(sender) + ":"
                                 + redis::key_part(sender_topic) + ":" + redis::key_part(listener)
                                 + ":key"});
    return v.empty() ? std::nullopt : std::optional<int64_t>{std::stoll(v[0])};
  }
  int64_t connection_key_count() override {
    return static_cast<int64_t>(keys("lnr_connection:*:key").size());
  }
  std::optional<int64_t> stored_ack(int32_t ck) override {
    auto v = command({"GET", "lnr_connection:" + std::to_string(ck) + ":mess_number"});
    return v.empty() ? std::nullopt : std::optional<int64_t>{std::stoll(v[0])};
  }
  int64_t queue_length(int32_t ck) override {
    return number(command({"LLEN", "lnr_connection:" + std::to_string(ck) + ":messages"}));
  }
  int64_t sender_route_count(const std::string& sender, const std::string& sender_topic) override {
    return number(command({"HLEN", "lnr_sender:" + redis::key_part(sender) + ":"
                                      + redis::key_part(sender_topic) + ":listener"}));
  }

private:
  static void flatten(const redis::value& v, std::vector<std::string>& out) {
    switch (v.type) {
      case redis::value::kind::string:
      case redis::value::kind::status:
        out.push_back(v.str);
        break;
      case redis::value::kind::integer:
        out.push_back(std::to_string(v.integer));
        break;
      case redis::value::kind::array:
        for (auto& e : v.elements)
          flatten(e, out);
        break;
      case redis::value::kind::nil:
        break;
    }
  }
  static int64_t number(const std::vector<std::string>& v) { return v.empty() ? 0 : std::stoll(v[0]); }
  // The ids of the client's feed connections in CLIENT LIST ("id=7 ... name=liner:a:catalog-feed ...").
  std::vector<std::string> feed_ids(const std::string& client_name) {
    std::vector<std::string> out;
    auto list = command({"CLIENT", "LIST"});
    std::istringstream lines{list.empty() ? std::string{} : list[0]};
    for (std::string line; std::getline(lines, line);)
      if (line.find(" name=liner:" + client_name + ":catalog-feed ") != std::string::npos)
        out.push_back(line.substr(3, line.find(' ') - 3));
    return out;
  }
  std::vector<std::string> keys(const std::string& pattern) {
    auto v = command({"KEYS", pattern}); // a test database holds a few keys
    return v;
  }
  redis::connection& conn() {
    if (!raw_) {
      raw_ = std::make_unique<redis::connection>(url_);
      raw_->set_deadline(redis::connection::clock::now() + std::chrono::seconds{10});
      raw_->connect();
    }
    return *raw_;
  }
  redis::address base_;
  int db_ = 0;
  std::string url_;
  std::unique_ptr<redis::connection> raw_;
};

} // namespace

int64_t test_database::wait_for_catalog_feeds(const std::string& client_name, int64_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int64_t now;
  while ((now = catalog_feeds(client_name)) != n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return now;
}

std::unique_ptr<Store> open_store(test_database& db, const std::string& name,
                                  const std::string& topic, const std::string& addr) {
  auto s = db.open(name);
  s->set_source_topic(topic);
  s->set_source_localhost(addr);
  return s;
}

std::unique_ptr<test_database> make_redis_database(const std::string& base_url) {
  return std::make_unique<redis_database>(base_url);
}

std::unique_ptr<test_database> make_test_database(const std::string& kind) {
  if (kind == "sqlite")
    return std::make_unique<sqlite_database>();
  if (kind == "postgres")
    return std::make_unique<postgres_database>();
  if (kind == "redis")
    return std::make_unique<redis_database>(redis_url());
  throw std::invalid_argument("unknown backend " + kind);
}

} // namespace liner::test
