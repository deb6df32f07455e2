// Publishing from SQL on PostgreSQL: liner.publish(topic, payload, options)
// (and each mesh's own liner_publish) writes to the mesh's outbox inside the
// caller's transaction; running clients relay committed rows into the mesh,
// woken by NOTIFY, exactly one client per row. Receivers see `from`
// "liner.publish". Everything here is real: SQL through libpq on the test
// schema, clients in this process listening on 127.0.0.1.
#include <gtest/gtest.h>

#include <libpq-fe.h>
#include <pqxx/pqxx>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/client_helpers.hpp"

using namespace liner;
using namespace liner::test;

namespace {

class publish_sql_test : public ::testing::Test {
protected:
  void SetUp() override { db = make_test_database("postgres"); }

  std::unique_ptr<peer> running(const std::string& name, const std::string& topic,
                                const std::vector<std::string>& subscriptions = {}) {
    auto p = make_peer(*db, name, topic);
    if (!p)
      return nullptr;
    if (!p->run()) {
      ADD_FAILURE() << name << ": run failed: " << p->error();
      return nullptr;
    }
    for (auto& t : subscriptions)
      if (!p->client->subscribe(t)) {
        ADD_FAILURE() << name << ": subscribe " << t << " failed: " << p->error();
        return nullptr;
      }
    return p;
  }

  int64_t outbox() { return db->scalar("SELECT COUNT(*) FROM liner_outbox"); }

  /// Waits until the outbox is empty (the relays committed).
  bool outbox_drained() { return outbox_holds(0); }

  /// Waits until the outbox holds `n` rows (a relay deletes a row when it
  /// commits, which may be after its message arrived).
  bool outbox_holds(int64_t n) {
    auto until = std::chrono::steady_clock::now() + wait_deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (outbox() == n)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  static std::vector<std::string> payloads_from_sql(const peer& p) {
    std::vector<std::string> out;
    for (auto& m : p.in.snapshot())
      if (m.from == sql_publisher_topic)
        out.push_back(m.data);
    return out;
  }

  std::unique_ptr<test_database> db;
};

} // namespace

TEST_F(publish_sql_test, a_committed_publish_arrives_from_liner_publish) {
  auto r = running("r", "news");
  ASSERT_TRUE(r);
  db->exec("SELECT liner.publish('news', 'hello')");                    // text
  db->exec("SELECT liner.publish('news', '\\x00ff01'::bytea, '{}')");   // bytea
  db->exec("SELECT liner_publish('news', 'the mesh''s own function')"); // no schema liner needed
  ASSERT_TRUE(r->in.wait_for_count(3)) << r->in.size() << " arrived";
  auto got = r->in.snapshot();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].to, "news");
  EXPECT_EQ(got[0].from, "liner.publish");
  EXPECT_EQ(got[0].data, "hello");
  EXPECT_EQ(got[1].data, std::string("\x00\xff\x01", 3));
  EXPECT_EQ(got[2].data, "the mesh's own function");
  EXPECT_TRUE(outbox_drained()) << outbox() << " rows left";
}

TEST_F(publish_sql_test, a_rolled_back_publish_sends_nothing) {
  auto r = running("r", "news");
  ASSERT_TRUE(r);
  db->exec("BEGIN; SELECT liner.publish('news', 'rolled back'); ROLLBACK");
  db->exec("BEGIN; SELECT liner.publish('news', 'one'); SELECT liner.publish('news', 'two'); COMMIT");
  ASSERT_TRUE(r->in.wait_for_data("two"));
  // Rows are relayed in order on one route: anything published before "two"
  // has arrived by now.
  EXPECT_EQ(r->in.payloads(), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(outbox_drained());
}

TEST_F(publish_sql_test, a_trigger_publishes_every_inserted_row) {
  auto r = running("r", "orders");
  ASSERT_TRUE(r);
  db->exec("CREATE TABLE shop_order (id SERIAL PRIMARY KEY, item TEXT NOT NULL)");
  db->exec("CREATE FUNCTION shop_order_published() RETURNS trigger LANGUAGE plpgsql AS $$ "
           "BEGIN PERFORM liner.publish('orders', NEW.id || ':' || NEW.item); RETURN NEW; END $$");
  db->exec("CREATE TRIGGER shop_order_publish AFTER INSERT ON shop_order "
           "FOR EACH ROW EXECUTE PROCEDURE shop_order_published()");
  db->exec("INSERT INTO shop_order (item) VALUES ('tea'), ('cake')");
  db->exec("BEGIN; INSERT INTO shop_order (item) VALUES ('never'); ROLLBACK");
  db->exec("INSERT INTO shop_order (item) VALUES ('jam')");
  ASSERT_TRUE(r->in.wait_for_data("4:jam")); // id 3 went with the rollback
  EXPECT_EQ(r->in.payloads(), (std::vector<std::string>{"1:tea", "2:cake", "4:jam"}));
}

// Four running clients race for the rows (each is woken by the same
// NOTIFY); the receiver gets every message exactly once.
TEST_F(publish_sql_test, exactly_one_client_relays_each_row) {
  auto r = running("r", "sink");
  ASSERT_TRUE(r);
  std::vector<std::unique_ptr<peer>> relays;
  for (int i = 0; i < 3; ++i) {
    relays.push_back(running("relay" + std::to_string(i), "relay" + std::to_string(i)));
    ASSERT_TRUE(relays.back());
  }
  const int transactions = 10, rows = 30;
  std::vector<std::thread> writers;
  for (int t = 0; t < transactions; ++t)
    writers.emplace_back([&, t] { // a connection each: concurrent transactions
      pqxx::connection c{db->location()};
      pqxx::nontransaction w{c};
      w.exec("SELECT liner.publish('sink', 't" + std::to_string(t) + "-' || n) "
             "FROM generate_series(0, " + std::to_string(rows - 1) + ") n");
    });
  for (auto& w : writers)
    w.join();
  ASSERT_TRUE(r->in.wait_for_count(transactions * rows)) << r->in.size() << " arrived";
  ASSERT_TRUE(outbox_drained());
  // Nothing more is on its way: a later row arrives after all earlier ones
  // that went the same route, and the count is checked once more after it.
  db->exec("SELECT liner.publish('sink', 'end')");
  ASSERT_TRUE(r->in.wait_for_data("end"));
  std::map<std::string, int> seen;
  for (auto& p : r->in.payloads())
    ++seen[p];
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(transactions * rows + 1));
  for (auto& [payload, n] : seen)
    EXPECT_EQ(n, 1) << payload << " arrived " << n << " times";
  // Relays ran in more than one client (each has its own connection keys).
  EXPECT_GE(db->scalar("SELECT COUNT(*) FROM conn_key_map WHERE composite LIKE '%:liner.publish:r'"),
            1);
}

TEST_F(publish_sql_test, all_exclude_and_eligible_pick_the_listeners) {
  auto a = running("a", "A", {"fan"});
  auto b = running("b", "B", {"fan"});
  auto c = running("c", "C", {"fan"});
  ASSERT_TRUE(a && b && c);
  db->exec("SELECT liner.publish('fan', 'to all', '{\"all\": true}')");
  db->exec("SELECT liner.publish('fan', 'not b', '{\"all\": true, \"exclude\": [\"b\"]}')");
  db->exec("SELECT liner.publish('fan', 'only c', '{\"eligible\": [\"c\"]}')");
  db->exec("SELECT liner.publish('fan', 'b of a and b', "
           "'{\"all\": true, \"eligible\": [\"a\", \"b\"], \"exclude\": [\"a\"]}')");
  db->exec("SELECT liner.publish('fan', 'one of a and c', '{\"exclude\": [\"b\"]}')");
  // Several clients relay (each over routes of its own), so arrival order
  // across rows is not defined: wait for what must come, then count.
  auto count_in = [](const std::vector<received_message>& v, const std::string& s) {
    return std::count_if(v.begin(), v.end(), [&](const received_message& m) {
      return m.from == sql_publisher_topic && m.data == s;
    });
  };
  auto has = [&](const peer& p, const std::string& s) { return count_in(p.in.snapshot(), s); };
  // The predicate runs under the inbox's lock: it counts what it is given.
  auto arrived = [&](peer& p, std::vector<std::string> expected) {
    return p.in.wait_until([&](const std::vector<received_message>& v) {
      for (auto& e : expected)
        if (count_in(v, e) == 0)
          return false;
      return true;
    });
  };
  ASSERT_TRUE(arrived(*a, {"to all", "not b"}));
  ASSERT_TRUE(arrived(*b, {"to all", "b of a and b"}));
  ASSERT_TRUE(arrived(*c, {"to all", "not b", "only c"}));
  ASSERT_TRUE(outbox_drained());
  // "one of a and c" goes to a or to c: watch both inboxes in turn.
  auto one_of = [&](const std::vector<received_message>& v) {
    return count_in(v, "one of a and c") > 0;
  };
  auto until = std::chrono::steady_clock::now() + wait_deadline;
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < until)
    seen = a->in.wait_until(one_of, std::chrono::milliseconds{50})
           || c->in.wait_until(one_of, std::chrono::milliseconds{50});
  ASSERT_TRUE(seen);
  for (auto* p : {a.get(), b.get(), c.get()})
    EXPECT_EQ(has(*p, "to all"), 1);
  EXPECT_EQ(has(*a, "not b"), 1);
  EXPECT_EQ(has(*b, "not b"), 0);
  EXPECT_EQ(has(*c, "not b"), 1);
  EXPECT_EQ(has(*c, "only c"), 1);
  EXPECT_EQ(has(*a, "only c") + has(*b, "only c"), 0);
  EXPECT_EQ(has(*b, "b of a and b"), 1);
  EXPECT_EQ(has(*a, "b of a and b") + has(*c, "b of a and b"), 0);
  EXPECT_EQ(has(*a, "one of a and c") + has(*c, "one of a and c"), 1);
  EXPECT_EQ(has(*b, "one of a and c"), 0);
}

TEST_F(publish_sql_test, bad_arguments_are_refused_and_nothing_is_published) {
  auto r = running("r", "news");
  ASSERT_TRUE(r);
  for (const char* bad : {"SELECT liner.publish('news', 'x', '{\"bogus\": 1}')",
                          "SELECT liner.publish('news', 'x', '{\"all\": \"yes\"}')",
                          "SELECT liner.publish('news', 'x', '{\"exclude\": [1]}')",
                          "SELECT liner.publish('news', 'x', '[]')",
                          "SELECT liner.publish('', 'x')",
                          "SELECT liner.publish('__#internal_channel', 'x')",
                          "SELECT liner.publish('news', ''::bytea)",
                          "SELECT liner.publish('news', 'x', '{\"namespace\": \"no_such_mesh\"}')"}) {
    EXPECT_ANY_THROW(db->exec(bad)) << bad;
    EXPECT_EQ(outbox(), 0) << bad;
  }
  try {
    db->exec("SELECT liner.publish('news', 'x', '{\"bogus\": 1}')");
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("unknown option \"bogus\""), std::string::npos) << e.what();
  }
}

// A role that may only publish (INSERT on the outbox, USAGE on its
// sequence, as docs/publish-from-sql.md grants) publishes through both
// functions; it needs no SELECT on the outbox.
TEST_F(publish_sql_test, a_role_with_insert_only_publishes) {
  if (db->scalar("SELECT count(*) FROM pg_roles WHERE rolname = current_user "
                 "AND (rolsuper OR rolcreaterole)") != 1)
    GTEST_SKIP() << "the test role may not create roles";
  auto r = running("r", "news");
  ASSERT_TRUE(r);
  auto role = "liner_publisher_" + std::to_string(::getpid());
  auto schema = db->text("SELECT current_schema()");
  db->exec("CREATE ROLE " + role + " LOGIN PASSWORD 'pw'");
  struct drop_role {
    test_database& db;
    std::string role;
    ~drop_role() {
      try {
        db.exec("DROP OWNED BY " + role + "; DROP ROLE " + role);
      } catch (...) {
      }
    }
  } cleanup{*db, role};
  db->exec("GRANT USAGE ON SCHEMA \"" + schema + "\", liner TO " + role + "; GRANT INSERT ON "
           "liner_outbox TO " + role + "; GRANT USAGE ON SEQUENCE liner_outbox_id_seq TO " + role);
  // The URL's user and password are overridden by later keywords (libpq's
  // own rule with expand_dbname), not by editing the URL.
  auto url = db->location();
  const char* keys[] = {"dbname", "user", "password", nullptr};
  const char* values[] = {url.c_str(), role.c_str(), "pw", nullptr};
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn{PQconnectdbParams(keys, values, 1), &PQfinish};
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  for (const char* sql : {"SELECT liner.publish('news', 'by dispatcher')",
                          "SELECT liner_publish('news', 'by mesh function')"}) {
    std::unique_ptr<PGresult, decltype(&PQclear)> res{PQexec(conn.get(), sql), &PQclear};
    EXPECT_EQ(PQresultStatus(res.get()), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn.get());
  }
  ASSERT_TRUE(r->in.wait_for_data("by dispatcher"));
  ASSERT_TRUE(r->in.wait_for_data("by mesh function"));
}

// Nobody listens to the topic yet: the row waits in the outbox (it is not
// dropped) and goes as soon as a listener registers.
TEST_F(publish_sql_test, a_publish_waits_in_the_outbox_for_its_first_listener) {
  auto relay = running("relay", "R");
  ASSERT_TRUE(relay);
  db->exec("SELECT liner.publish('later', 'kept')");
  // The relay has tried: a publish to a topic with a listener behind it
  // arrives, and the first row is still in the outbox.
  auto probe = running("probe", "P");
  ASSERT_TRUE(probe);
  db->exec("SELECT liner.publish('P', 'probe')");
  ASSERT_TRUE(probe->in.wait_for_data("probe"));
  ASSERT_TRUE(outbox_holds(1)) << outbox() << " rows";
  EXPECT_EQ(db->text("SELECT topic FROM liner_outbox"), "later");
  auto late = running("late", "later");
  ASSERT_TRUE(late);
  ASSERT_TRUE(late->in.wait_for_data("kept"));
  EXPECT_TRUE(outbox_drained());
}
