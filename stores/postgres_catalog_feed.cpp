#include "stores/postgres_catalog_feed.hpp"

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include "stores/json_field.hpp"

#include "stores/pg_session.hpp"
#include "stores/postgres_outbox.hpp"

namespace liner {

// Rows are described by what a peer's cache needs; a payload near
// PostgreSQL's limit of 8000 bytes says only "something changed". The
// channel and the schema in the payload keep meshes in other schemas of the
// same database apart (channels are per database).
const char* const postgres_notify_schema = R"sql(
CREATE OR REPLACE FUNCTION liner_catalog_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    payload TEXT;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        payload := json_build_object('schema', TG_TABLE_SCHEMA, 'op', TG_OP)::text;
    ELSIF TG_OP = 'DELETE' THEN
        payload := json_build_object('schema', TG_TABLE_SCHEMA, 'op', TG_OP, 'topic', OLD.topic,
                                     'addr', OLD.addr, 'client', OLD.client_name)::text;
    ELSIF TG_OP = 'UPDATE' AND OLD.topic <> NEW.topic THEN
        payload := json_build_object('schema', TG_TABLE_SCHEMA, 'op', TG_OP, 'topic', NEW.topic,
                                     'addr', NEW.addr, 'client', NEW.client_name,
                                     'old_topic', OLD.topic)::text;
    ELSE
        payload := json_build_object('schema', TG_TABLE_SCHEMA, 'op', TG_OP, 'topic', NEW.topic,
                                     'addr', NEW.addr, 'client', NEW.client_name)::text;
    END IF;
    IF octet_length(payload) > 7000 THEN
        payload := json_build_object('schema', TG_TABLE_SCHEMA, 'op', 'TRUNCATE')::text;
    END IF;
    PERFORM pg_notify(left('liner:' || TG_TABLE_SCHEMA, 63), payload);
    RETURN NULL;
END
$fn$;

DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgname = 'liner_catalog_notify_row' AND tgrelid = 'topic_addr'::regclass) THEN
        CREATE TRIGGER liner_catalog_notify_row AFTER INSERT OR UPDATE OR DELETE ON topic_addr
            FOR EACH ROW EXECUTE PROCEDURE liner_catalog_notify();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgname = 'liner_catalog_notify_truncate' AND tgrelid = 'topic_addr'::regclass) THEN
        CREATE TRIGGER liner_catalog_notify_truncate AFTER TRUNCATE ON topic_addr
            FOR EACH STATEMENT EXECUTE PROCEDURE liner_catalog_notify();
    END IF;
END
$do$;
)sql";

namespace {

class postgres_catalog_feed : public catalog_feed {
public:
  postgres_catalog_feed(const std::string& url, const std::string& application_name,
                        std::chrono::steady_clock::time_point deadline)
    : session_(url, application_name) {
    session_.set_deadline(deadline);
    session_.open();
    // The schema the store's connection (same URL) made its tables in.
    auto schema = session_.value("SELECT current_schema()");
    if (!schema)
      throw store_error("postgres: no current schema to listen in (check search_path)");
    schema_ = *schema;
    auto channel = ("liner:" + schema_).substr(0, 63);
    std::unique_ptr<char, decltype(&PQfreemem)> quoted{
      PQescapeIdentifier(session_.get(), channel.c_str(), channel.size()), &PQfreemem};
    if (!quoted)
      session_.fail_connection("cannot quote the channel name");
    session_.exec(std::string("LISTEN ") + quoted.get());
  }

  int socket() const override { return session_.connected() ? PQsocket(session_.get()) : -1; }

  std::vector<catalog_change> take() override {
    if (!session_.connected())
      throw pg::session::lost("not connected");
    if (!PQconsumeInput(session_.get()) || PQstatus(session_.get()) == CONNECTION_BAD)
      session_.fail_connection("reading notifications");
    std::vector<catalog_change> out;
    while (PGnotify* n = PQnotifies(session_.get())) {
      std::unique_ptr<PGnotify, decltype(&PQfreemem)> held{n, &PQfreemem};
      auto j = nlohmann::json::parse(n->extra ? n->extra : "", nullptr, false);
      if (!j.is_object() || string_field(j, "schema") != schema_)
        continue; // another schema whose name shares our channel's first 63 bytes
      catalog_change c;
      c.op = string_field(j, "op");
      c.topic = string_field(j, "topic");
      c.addr = string_field(j, "addr");
      c.client_name = string_field(j, "client");
      c.old_topic = string_field(j, "old_topic");
      out.push_back(std::move(c));
    }
    return out;
  }

  bool has_outbox() const override { return true; }

  std::vector<outbox_row> claim_outbox(int64_t after, std::size_t limit,
                                       std::chrono::steady_clock::time_point deadline) override {
    if (!session_.connected())
      throw pg::session::lost("not connected");
    session_.set_deadline(deadline);
    return pg::claim_outbox(session_, after, limit);
  }

  void finish_outbox(const std::vector<int64_t>& done,
                     std::chrono::steady_clock::time_point deadline) override {
    if (!session_.connected())
      throw pg::session::lost("not connected");
    session_.set_deadline(deadline);
    pg::finish_outbox(session_, done);
  }

private:
  pg::session session_;
  std::string schema_;
};

} // namespace

catalog_feed_opener postgres_catalog_feed_opener(std::string url, std::string application_name) {
  return [url = std::move(url), name = std::move(application_name)](
           std::chrono::steady_clock::time_point deadline) -> std::unique_ptr<catalog_feed> {
    return std::make_unique<postgres_catalog_feed>(url, name, deadline);
  };
}

} // namespace liner
