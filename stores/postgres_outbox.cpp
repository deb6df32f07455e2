#include "stores/postgres_outbox.hpp"

#include <libpq-fe.h>

#include "runtime/big_endian.hpp"

namespace liner {

// Run with search_path at the mesh's schema. liner_publish is made for that
// schema by name (format %I), so it writes there whatever the caller's
// search_path; the NOTIFY reaches the clients of that mesh only (the
// channel and the schema in the payload, as for catalog changes), and
// PostgreSQL sends it at commit, folding a transaction's copies into one.
// liner.publish finds the mesh: options.namespace, else the caller's
// liner.namespace setting, else its current schema. The schema `liner` is
// made only when no role is named liner (see below) and the CREATE
// privilege allows; the mesh's own liner_publish works in any case.
const char* const postgres_outbox_schema = R"sql(
CREATE TABLE IF NOT EXISTS liner_outbox (
    id BIGSERIAL PRIMARY KEY,
    topic TEXT NOT NULL,
    payload BYTEA NOT NULL,
    options JSONB NOT NULL DEFAULT '{}',
    published_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

DO $do$
BEGIN
    EXECUTE format($f$
CREATE OR REPLACE FUNCTION %1$I.liner_publish(topic TEXT, payload BYTEA, options JSONB DEFAULT '{}')
RETURNS BIGINT LANGUAGE plpgsql AS $fn$
#variable_conflict use_variable
DECLARE
    new_id BIGINT;
    k TEXT;
BEGIN
    IF topic IS NULL OR topic = '' THEN
        RAISE EXCEPTION 'liner.publish: topic is empty' USING ERRCODE = '22023';
    END IF;
    IF topic = '__#internal_channel' THEN
        RAISE EXCEPTION 'liner.publish: the internal channel is reserved' USING ERRCODE = '22023';
    END IF;
    IF payload IS NULL OR octet_length(payload) = 0 THEN
        RAISE EXCEPTION 'liner.publish: payload is empty' USING ERRCODE = '22023';
    END IF;
    IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'liner.publish: options must be a JSON object' USING ERRCODE = '22023';
    END IF;
    FOR k IN SELECT jsonb_object_keys(options) LOOP
        IF k NOT IN ('all', 'exclude', 'eligible', 'namespace') THEN
            RAISE EXCEPTION 'liner.publish: unknown option "%%" (all, exclude, eligible, namespace)', k
                USING ERRCODE = '22023';
        END IF;
    END LOOP;
    IF options ? 'all' AND jsonb_typeof(options->'all') <> 'boolean' THEN
        RAISE EXCEPTION 'liner.publish: option "all" must be true or false' USING ERRCODE = '22023';
    END IF;
    FOREACH k IN ARRAY ARRAY['exclude', 'eligible'] LOOP
        IF options ? k AND (jsonb_typeof(options->k) <> 'array'
                            OR EXISTS (SELECT 1 FROM jsonb_array_elements(options->k) e
                                       WHERE jsonb_typeof(e) <> 'string')) THEN
            RAISE EXCEPTION 'liner.publish: option "%%" must be an array of client names', k
                USING ERRCODE = '22023';
        END IF;
    END LOOP;
    -- nextval, not RETURNING: publishing needs INSERT on the table and
    -- USAGE on its sequence, not SELECT (docs/publish-from-sql.md).
    new_id := nextval(%3$L);
    INSERT INTO %1$I.liner_outbox (id, topic, payload, options)
        VALUES (new_id, topic, payload, options - 'namespace');
    PERFORM pg_notify(left('liner:' || %2$L, 63),
                      json_build_object('schema', %2$L, 'op', 'PUBLISH')::text);
    RETURN new_id;
END
$fn$;
CREATE OR REPLACE FUNCTION %1$I.liner_publish(topic TEXT, payload TEXT, options JSONB DEFAULT '{}')
RETURNS BIGINT LANGUAGE sql AS $fn$
    SELECT %1$I.liner_publish(topic, convert_to(payload, 'UTF8'), options)
$fn$;
$f$, current_schema(), current_schema(), quote_ident(current_schema()) || '.liner_outbox_id_seq');
END
$do$;

DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liner') THEN
        -- "$user" in search_path would make schema liner that role's default
        -- schema: its sessions (Rust liner peers too) would create and find
        -- the mesh's tables there instead of where they are.
        RAISE NOTICE 'liner: no schema liner while a role named liner exists: use liner_publish';
        RETURN;
    END IF;
    CREATE SCHEMA IF NOT EXISTS liner;
    CREATE OR REPLACE FUNCTION liner.publish(topic TEXT, payload BYTEA, options JSONB DEFAULT '{}')
    RETURNS BIGINT LANGUAGE plpgsql AS $fn$
    DECLARE
        mesh TEXT := coalesce(nullif(options->>'namespace', ''),
                              nullif(current_setting('liner.namespace', true), ''), current_schema());
        new_id BIGINT;
    BEGIN
        IF to_regprocedure(quote_ident(mesh) || '.liner_publish(text,bytea,jsonb)') IS NULL THEN
            RAISE EXCEPTION 'liner.publish: no liner mesh in schema "%"', mesh USING ERRCODE = '42883';
        END IF;
        EXECUTE format('SELECT %I.liner_publish($1, $2, $3)', mesh) INTO new_id
            USING topic, payload, options;
        RETURN new_id;
    END
    $fn$;
    CREATE OR REPLACE FUNCTION liner.publish(topic TEXT, payload TEXT, options JSONB DEFAULT '{}')
    RETURNS BIGINT LANGUAGE sql AS $fn$
        SELECT liner.publish(topic, convert_to(payload, 'UTF8'), options)
    $fn$;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'liner: no schema liner (no CREATE privilege): use liner_publish in the mesh schema';
END
$do$;
)sql";

namespace pg {

namespace {

int64_t read_int8(const PGresult* r, int row, int col) {
  return static_cast<int64_t>(big_endian::read_u64(PQgetvalue(r, row, col)));
}

std::string read_text(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}

} // namespace

std::vector<outbox_row> claim_outbox(session& s, int64_t after, std::size_t limit) {
  s.exec("BEGIN");
  auto after_text = std::to_string(after);
  auto limit_text = std::to_string(limit);
  const char* values[] = {after_text.c_str(), limit_text.c_str()};
  if (!PQsendQueryParams(s.get(),
                         "SELECT id, topic, payload, options::text FROM liner_outbox "
                         "WHERE id > $1::bigint ORDER BY id LIMIT $2::bigint "
                         "FOR UPDATE SKIP LOCKED",
                         2, nullptr, values, nullptr, nullptr, 1))
    s.fail_connection("cannot send the request");
  auto r = s.collect();
  std::vector<outbox_row> rows;
  for (int i = 0; r && i < PQntuples(r.get()); ++i) {
    outbox_row row;
    row.id = read_int8(r.get(), i, 0);
    row.topic = read_text(r.get(), i, 1);
    auto payload = read_text(r.get(), i, 2);
    row.payload.assign(payload.begin(), payload.end());
    row.options = read_text(r.get(), i, 3);
    rows.push_back(std::move(row));
  }
  return rows;
}

void finish_outbox(session& s, const std::vector<int64_t>& done) {
  if (!done.empty()) {
    std::string ids = "{";
    for (auto id : done)
      ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
    ids += "}";
    const char* values[] = {ids.c_str()};
    if (!PQsendQueryParams(s.get(), "DELETE FROM liner_outbox WHERE id = ANY($1::bigint[])", 1,
                           nullptr, values, nullptr, nullptr, 0))
      s.fail_connection("cannot send the request");
    s.collect();
  }
  s.exec("COMMIT");
}

} // namespace pg
} // namespace liner
