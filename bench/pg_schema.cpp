#include "pg_schema.hpp"

#include <libpq-fe.h>

#include "stores/pg_conninfo.hpp"

#include <iostream>
#include <memory>
#include <stdexcept>

namespace bench {

namespace {

// The URL with search_path set to `schema` (libpq parses and rewrites it).
std::string url_with_schema(const std::string& url, const std::string& schema) {
  return liner::pg::with_server_option(url, "-csearch_path=" + schema);
}

} // namespace

pg_connection::pg_connection(const std::string& url) : conn_(PQconnectdb(url.c_str()), &PQfinish) {
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    throw std::runtime_error("PostgreSQL: cannot connect: "
                             + std::string(PQerrorMessage(conn_.get())));
}

void pg_connection::exec(const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r{PQexec(conn_.get(), sql.c_str()), &PQclear};
  auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw std::runtime_error("PostgreSQL: " + sql + ": " + PQerrorMessage(conn_.get()));
}

void pg_exec(const std::string& url, const std::string& sql) {
  pg_connection(url).exec(sql);
}

pg_schema::pg_schema(const std::string& base_url, const std::string& name)
  : base_url_(base_url), name_(name), url_(url_with_schema(base_url, name)) {
  pg_exec(base_url_, "CREATE SCHEMA " + name_);
}

pg_schema::~pg_schema() {
  try {
    // client_min_messages: no NOTICE per dropped table on stderr.
    pg_exec(base_url_, "SET client_min_messages = warning; SET lock_timeout = '10s'; "
                    "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  } catch (const std::exception& e) {
    std::cerr << "liner-bench: warning: " << e.what();
  }
}

} // namespace bench
