// Namespaces on PostgreSQL: one database, several isolated meshes, each in a
// schema of its own (created when missing), chosen by the liner.namespace
// setting in the URL (options=-cliner.namespace=NAME, also through
// PGOPTIONS) or by LINER_NAMESPACE; and an empty URL that means libpq's PG*
// environment variables, for the client as for the store.
#include <gtest/gtest.h>

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "support/client_helpers.hpp"

using namespace liner;
using namespace liner::test;

namespace {

// Raw SQL on the database itself (no schema), as an operator would.
class server {
public:
  server() : conn_(PQconnectdb(postgres_url().c_str()), &PQfinish) {
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      throw std::runtime_error(PQerrorMessage(conn_.get()));
  }
  std::string text(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r{PQexec(conn_.get(), sql.c_str()), &PQclear};
    auto st = PQresultStatus(r.get());
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
      throw std::runtime_error(sql + ": " + PQerrorMessage(conn_.get()));
    return st == PGRES_TUPLES_OK && PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
  }

private:
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// Sets environment variables for its lifetime (declared before the clients
// that read them, so it outlives them: they reconnect with them too).
class scoped_env {
public:
  explicit scoped_env(std::vector<std::pair<std::string, std::string>> vars)
    : vars_(std::move(vars)) {
    for (auto& [k, v] : vars_)
      setenv(k.c_str(), v.c_str(), 1);
  }
  ~scoped_env() {
    for (auto& [k, v] : vars_)
      unsetenv(k.c_str());
  }

private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

class postgres_namespace_test : public ::testing::Test {
protected:
  // Namespaces unique to this process, dropped afterwards.
  std::string ns(const std::string& base) {
    auto name = "liner_ns_" + base + "_" + std::to_string(::getpid());
    made_.push_back(name);
    return name;
  }
  void TearDown() override {
    for (auto& n : made_)
      sql.text("SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"" + n + "\" CASCADE");
  }
  std::unique_ptr<peer> running_at(const std::string& url, const std::string& name,
                                   const std::string& topic) {
    std::string error;
    auto p = std::make_unique<peer>();
    p->client = Client::create_postgres(name, topic, "127.0.0.1:0", url, &error);
    if (!p->client) {
      ADD_FAILURE() << name << ": " << error;
      return nullptr;
    }
    if (!p->run()) {
      ADD_FAILURE() << name << ": run failed: " << p->error();
      return nullptr;
    }
    return p;
  }

  server sql;
  std::vector<std::string> made_;
};

TEST_F(postgres_namespace_test, two_namespaces_in_one_database_never_see_each_other) {
  auto one = ns("one"), two = ns("two");
  ASSERT_EQ(sql.text("SELECT count(*) FROM pg_namespace WHERE nspname = '" + one + "'"), "0");
  auto url1 = url_with_option(postgres_url(), "-cliner.namespace=" + one);
  auto url2 = url_with_option(postgres_url(), "-cliner.namespace=" + two);
  // The same names and topics in both meshes.
  auto b1 = running_at(url1, "b", "t");
  auto b2 = running_at(url2, "b", "t");
  auto a1 = running_at(url1, "a", "a");
  auto a2 = running_at(url2, "a", "a");
  ASSERT_TRUE(b1 && b2 && a1 && a2);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(a1->send("t", "one-" + std::to_string(i))) << a1->error();
    ASSERT_TRUE(a2->send("t", "two-" + std::to_string(i))) << a2->error();
  }
  ASSERT_TRUE(b1->in.wait_for_data("one-19"));
  ASSERT_TRUE(b2->in.wait_for_data("two-19"));
  for (auto& m : b1->in.snapshot())
    EXPECT_EQ(m.data.rfind("one-", 0), 0u) << "mesh one received " << m.data;
  for (auto& m : b2->in.snapshot())
    EXPECT_EQ(m.data.rfind("two-", 0), 0u) << "mesh two received " << m.data;
  // Each schema was created, holds its mesh's tables and triggers, and
  // nothing was written where the URL's search_path would have led.
  for (auto& n : {one, two}) {
    EXPECT_EQ(sql.text("SELECT count(*) FROM \"" + n + "\".topic_addr WHERE topic = 't'"), "1");
    EXPECT_EQ(sql.text("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = '"
                       + n + "' AND c.relname = 'topic_addr' AND NOT t.tgisinternal"),
              "2");
  }
}

// Publishing from SQL reaches only the mesh it names: through the dispatcher
// liner.publish with the "namespace" option, or through a mesh's own
// <namespace>.liner_publish; the same topic in the other mesh gets nothing.
TEST_F(postgres_namespace_test, a_publish_from_sql_reaches_only_its_namespace) {
  auto one = ns("pub1"), two = ns("pub2");
  auto b1 = running_at(url_with_option(postgres_url(), "-cliner.namespace=" + one), "b", "t");
  auto b2 = running_at(url_with_option(postgres_url(), "-cliner.namespace=" + two), "b", "t");
  ASSERT_TRUE(b1 && b2);
  sql.text("SELECT liner.publish('t', 'to one', '{\"namespace\": \"" + one + "\"}')");
  sql.text("SELECT \"" + two + "\".liner_publish('t', 'to two')");
  sql.text("SELECT liner.publish('t', 'end one', '{\"namespace\": \"" + one + "\"}')");
  sql.text("SELECT \"" + two + "\".liner_publish('t', 'end two')");
  ASSERT_TRUE(b1->in.wait_for_data("end one"));
  ASSERT_TRUE(b2->in.wait_for_data("end two"));
  std::vector<std::string> want1{"to one", "end one"}, want2{"to two", "end two"};
  EXPECT_EQ(b1->in.payloads(), want1);
  EXPECT_EQ(b2->in.payloads(), want2);
  for (auto* b : {b1.get(), b2.get()})
    for (auto& m : b->in.snapshot())
      EXPECT_EQ(m.from, "liner.publish");
  // With no namespace option and no liner.namespace setting the dispatcher
  // uses the caller's current schema; the server connection's is public,
  // which holds no mesh here, so it refuses rather than guess.
  if (sql.text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
               "AND tablename = 'liner_outbox'") == "0") {
    EXPECT_THROW(sql.text("SELECT liner.publish('t', 'nowhere')"), std::runtime_error);
  }
}

TEST_F(postgres_namespace_test, liner_namespace_environment_variable_chooses_the_schema) {
  auto three = ns("three");
  scoped_env env{{{"LINER_NAMESPACE", three}}};
  auto c = running_at(postgres_url(), "env-client", "env-topic");
  ASSERT_TRUE(c);
  EXPECT_EQ(sql.text("SELECT count(*) FROM \"" + three + "\".topic_addr WHERE topic = 'env-topic'"),
            "1");
}

TEST_F(postgres_namespace_test, an_empty_url_means_the_pg_environment_variables) {
  auto four = ns("four");
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed{
    PQconninfoParse(postgres_url().c_str(), nullptr), &PQconninfoFree};
  ASSERT_TRUE(parsed);
  std::vector<std::pair<std::string, std::string>> env;
  for (auto* o = parsed.get(); o->keyword; ++o)
    if (o->val && o->envvar && *o->val)
      env.emplace_back(o->envvar, o->val);
  env.emplace_back("PGOPTIONS", "-cliner.namespace=" + four);
  scoped_env vars{env};
  auto b = running_at("", "b", "t");
  auto a = running_at("", "a", "a");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->send("t", "through PG*")) << a->error();
  EXPECT_TRUE(b->in.wait_for_data("through PG*"));
  EXPECT_EQ(sql.text("SELECT count(*) FROM \"" + four + "\".topic_addr WHERE topic = 't'"), "1");
}

} // namespace
