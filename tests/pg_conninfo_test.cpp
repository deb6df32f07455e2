// stores/pg_conninfo: connection strings changed through libpq's parser.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <map>
#include <memory>

#include "stores/pg_conninfo.hpp"

using namespace liner;

namespace {

// What libpq reads back from a connection string.
std::map<std::string, std::string> parsed(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> o{
    PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree};
  PQfreemem(error);
  std::map<std::string, std::string> m;
  for (auto* p = o.get(); p && p->keyword; ++p)
    if (p->val)
      m[p->keyword] = p->val;
  return m;
}

} // namespace

TEST(pg_conninfo, adds_a_server_option_to_urls_and_key_value_strings) {
  auto url = parsed(pg::with_server_option(
    "postgresql://app:p%27w@db.example:6543/mesh?sslmode=disable&options=-cwork_mem%3D4MB",
    "-csearch_path=s1"));
  EXPECT_EQ(url["user"], "app");
  EXPECT_EQ(url["password"], "p'w");
  EXPECT_EQ(url["host"], "db.example");
  EXPECT_EQ(url["port"], "6543");
  EXPECT_EQ(url["dbname"], "mesh");
  EXPECT_EQ(url["sslmode"], "disable");
  EXPECT_EQ(url["options"], "-cwork_mem=4MB -csearch_path=s1");

  auto kv = parsed(pg::with_server_option("host=/run/postgresql dbname='my db'", "-cx=1"));
  EXPECT_EQ(kv["host"], "/run/postgresql");
  EXPECT_EQ(kv["dbname"], "my db");
  EXPECT_EQ(kv["options"], "-cx=1");

  // Empty: everything else stays with the PG* variables.
  auto empty = parsed(pg::with_server_option("", "-cx=1"));
  EXPECT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty["options"], "-cx=1");
}

TEST(pg_conninfo, refuses_what_libpq_cannot_parse) {
  EXPECT_THROW(pg::with_server_option("postgresql://h/db?nosuch=1", "-cx=1"), std::invalid_argument);
  EXPECT_THROW(pg::with_server_option("nokey", "-cx=1"), std::invalid_argument);
  EXPECT_THROW(pg::with_server_option("bogus=1", "-cx=1"), std::invalid_argument);
}
