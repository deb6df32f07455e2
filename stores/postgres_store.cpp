// PostgreSQL backend: one libpqxx connection, liner's exact schema (spec 6.4),
// created under an advisory lock so that processes starting together on an
// empty database never trip over each other.
#include <pqxx/pqxx>

#include <cstdlib>

#include "stores/sql_store.hpp"

namespace liner {

namespace {

// Any constant works; it only has to be the same for every liner process.
constexpr long long schema_lock_key = 0x6c696e6572; // "liner"
constexpr int connect_timeout_s = 5;

const char* const postgres_schema = R"sql(
CREATE TABLE IF NOT EXISTS seq (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v INTEGER NOT NULL
);
INSERT INTO seq (id, v) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

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
    v BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS conn_messages (
    id BIGSERIAL PRIMARY KEY,
    connection_key INTEGER NOT NULL,
    payload BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_conn_messages_ck
    ON conn_messages(connection_key, id);

ALTER TABLE sender_listener ADD COLUMN IF NOT EXISTS client_name TEXT NOT NULL DEFAULT '';
)sql";

bool is_uri(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

// Adds libpq's connect_timeout unless the caller chose one: an unreachable
// server must be an error within seconds, never a hang.
std::string with_connect_timeout(const std::string& url) {
  if (url.find("connect_timeout") != std::string::npos || std::getenv("PGCONNECT_TIMEOUT"))
    return url;
  auto value = std::to_string(connect_timeout_s);
  if (is_uri(url))
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + value;
  return url + (url.empty() ? "" : " ") + "connect_timeout=" + value;
}

// libpq's messages end with a newline; keep error texts on one line.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n')
      c = ' ';
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

constexpr std::size_t max_params = 4;

std::string statement_name(sql::statement id) {
  return "liner_" + std::to_string(static_cast<std::size_t>(id));
}

// libpqxx 6 takes statement parameters as a typed argument pack; this turns
// our run-time list into that pack, one parameter at a time.
std::string pq_arg(std::string_view s) {
  return std::string(s);
}
int64_t pq_arg(int64_t v) {
  return v;
}
pqxx::binarystring pq_arg(const sql::blob& b) {
  return pqxx::binarystring(b.data, b.size);
}

template <std::size_t Depth = 0, class... Args>
pqxx::result exec_with(pqxx::transaction_base& tx, const std::string& name, const sql::param* p,
                       std::size_t n, const Args&... args) {
  if constexpr (Depth == max_params) {
    if (n != 0)
      throw store_error("postgres: too many statement parameters");
    return tx.exec_prepared(name, args...);
  } else {
    if (n == 0)
      return tx.exec_prepared(name, args...);
    return std::visit(
      [&](const auto& v) {
        return exec_with<Depth + 1>(tx, name, p + 1, n - 1, args..., pq_arg(v));
      },
      *p);
  }
}

sql::field read(const pqxx::field& f) {
  if (f.is_null())
    return std::monostate{};
  switch (f.type()) {
    case 20: // int8
    case 21: // int2
    case 23: // int4
      return f.as<int64_t>();
    case 17: { // bytea
      pqxx::binarystring b{f};
      return b.str();
    }
    default:
      return std::string(f.c_str(), f.size());
  }
}

class postgres_connection : public sql::connection {
public:
  explicit postgres_connection(const std::string& url) : conn_(with_connect_timeout(url)) {
    conn_.set_variable("lock_timeout", "'5s'");
    {
      pqxx::work w{conn_};
      w.exec("SELECT pg_advisory_xact_lock(" + std::to_string(schema_lock_key) + ")");
      w.exec(postgres_schema);
      w.commit();
    }
    for (std::size_t i = 0; i < sql::statement_count; ++i) {
      auto id = static_cast<sql::statement>(i);
      conn_.prepare(statement_name(id), sql::dollar_text(id));
    }
  }

  void begin() override { tx_ = std::make_unique<pqxx::work>(conn_); }

  void commit() override {
    auto tx = std::move(tx_);
    guarded([&] { tx->commit(); });
  }

  void rollback() noexcept override { tx_.reset(); }

  sql::rows run(sql::statement id, std::initializer_list<sql::param> params) override {
    sql::rows out;
    guarded([&] {
      pqxx::result r;
      if (tx_) {
        r = exec_with(*tx_, statement_name(id), params.begin(), params.size());
      } else {
        pqxx::nontransaction nt{conn_};
        r = exec_with(nt, statement_name(id), params.begin(), params.size());
      }
      out.data.reserve(r.size());
      for (const auto& row : r) {
        std::vector<sql::field> fields;
        fields.reserve(row.size());
        for (const auto& f : row)
          fields.push_back(read(f));
        out.data.push_back(std::move(fields));
      }
    });
    return out;
  }

private:
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const store_error&) {
      tx_.reset();
      throw;
    } catch (const std::exception& e) {
      tx_.reset(); // a failed statement aborts the transaction anyway
      throw store_error("postgres: " + one_line(e.what()));
    }
  }

  pqxx::connection conn_;
  std::unique_ptr<pqxx::work> tx_;
};

} // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& url, std::string unique_name) {
  try {
    return std::make_unique<SqlStore>(std::move(unique_name),
                                      std::make_unique<postgres_connection>(url));
  } catch (const store_error&) {
    throw;
  } catch (const std::exception& e) {
    throw store_error("postgres: cannot open store: " + one_line(e.what()));
  }
}

} // namespace liner
