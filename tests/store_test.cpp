// Every Store operation against the three real backends: a SQLite file, a
// PostgreSQL server (a fresh schema per test) and a Redis server (a fresh
// database per test). What only SQL stores have (schema, operator views,
// receivers_json seeding) is in sql_store_test, on the first two.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <limits>

#include "runtime/frame_codec.hpp"
#include "support/test_backends.hpp"

using namespace liner;
using liner::test::make_test_database;
using liner::test::open_store;
using liner::test::test_database;

namespace {

class store_test : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    db = make_test_database(GetParam());
    store = open("alice", "orders", "127.0.0.1:4001");
  }

  std::unique_ptr<Store> open(const std::string& name, const std::string& topic,
                              const std::string& addr) {
    return open_store(*db, name, topic, addr);
  }

  std::vector<char> frame(uint64_t number, const std::string& payload) {
    std::vector<char> out;
    encode_frame(out, {number, 7, 3, frame_flags::at_least_once}, payload.data(), payload.size());
    return out;
  }

  std::unique_ptr<test_database> db;
  std::unique_ptr<Store> store;
};

class sql_store_test : public store_test {};

} // namespace

TEST_P(sql_store_test, creates_liner_schema_with_the_eight_tables_and_index) {
  auto count_tables = db->kind() == "sqlite"
    ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('seq', "
      "'topic_addr', 'sender_listener', 'conn_key_map', 'topic_key', 'conn_sender', "
      "'conn_mess_number', 'conn_messages')"
    : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() "
      "AND table_name IN ('seq', 'topic_addr', 'sender_listener', 'conn_key_map', 'topic_key', "
      "'conn_sender', 'conn_mess_number', 'conn_messages')";
  EXPECT_EQ(db->scalar(count_tables), 8);
  auto index = db->kind() == "sqlite"
    ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'idx_conn_messages_ck'"
    : "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() "
      "AND indexname = 'idx_conn_messages_ck'";
  EXPECT_EQ(db->scalar(index), 1);
  EXPECT_EQ(db->scalar("SELECT v FROM seq WHERE id = 1"), 0);
  // Every column liner's code and operators use.
  db->exec("SELECT topic, addr, client_name FROM topic_addr");
  db->exec("SELECT sender_key, addr, listener_topic, client_name FROM sender_listener");
  db->exec("SELECT composite, connection_key FROM conn_key_map");
  db->exec("SELECT topic, k FROM topic_key");
  db->exec("SELECT connection_key, sender_topic FROM conn_sender");
  db->exec("SELECT connection_key, v FROM conn_mess_number");
  db->exec("SELECT id, connection_key, payload FROM conn_messages");
  // Opening again keeps the data (IF NOT EXISTS everywhere).
  store->regist_topic("orders");
  auto again = open("bob", "x", "y");
  EXPECT_EQ(again->get_addresses_of_topic("orders"), std::vector<std::string>{"127.0.0.1:4001"});
}

TEST_P(sql_store_test, operator_views_answer_who_is_where_what_waits_and_the_acks) {
  store->regist_topic("orders");
  auto bob = open("bob", "billing", "127.0.0.1:4002");
  bob->regist_topic("billing");
  bob->regist_topic("orders");
  store->mark_address_dead("127.0.0.1:4002", "bob");
  auto ck = store->get_connection_key_for_sender("bob");
  store->save_messages_from_sender(ck, {frame(8, "x"), frame(9, "y"), frame(10, "z")});
  store->set_last_mess_number_from_listener(ck, 7);
  auto quiet = store->get_connection_key_for_sender("carol"); // acked, nothing waits
  store->set_last_mess_number_from_listener(quiet, 3);

  // Who is registered where, for which topics, and whether the address was found dead.
  EXPECT_EQ(db->scalar("SELECT COUNT(*) FROM liner_peers"), 3);
  EXPECT_EQ(db->text("SELECT client_name || ' ' || addr || ' ' || marked_dead FROM liner_peers "
                     "WHERE topic = 'orders' ORDER BY addr"),
            "alice 127.0.0.1:4001 0");
  EXPECT_EQ(db->text("SELECT client_name || ' ' || marked_dead FROM liner_peers "
                     "WHERE topic = 'billing'"),
            "bob 1");
  // What waits, by sender and listener, with the listener's ack cursor.
  EXPECT_EQ(db->scalar("SELECT COUNT(*) FROM liner_pending"), 1);
  EXPECT_EQ(db->text("SELECT sender || ' ' || sender_topic || ' ' || listener || ' ' || waiting "
                     "|| ' ' || acked FROM liner_pending"),
            "alice orders bob 3 7");
  EXPECT_EQ(db->scalar("SELECT connection_key FROM liner_pending"), ck);
  // Every ack cursor.
  EXPECT_EQ(db->scalar("SELECT COUNT(*) FROM liner_acks"), 2);
  EXPECT_EQ(db->scalar("SELECT acked FROM liner_acks WHERE listener = 'carol'"), 3);
  // Opening again keeps (or replaces) the views.
  auto again = open("dave", "d", "127.0.0.1:4003");
  EXPECT_EQ(db->scalar("SELECT COUNT(*) FROM liner_pending"), 1);
}

TEST_P(sql_store_test, adds_client_name_to_an_old_sender_listener_table) {
  store.reset();
  auto fresh = make_test_database(GetParam());
  fresh->exec("CREATE TABLE sender_listener (sender_key TEXT NOT NULL, addr TEXT NOT NULL, "
              "listener_topic TEXT NOT NULL, PRIMARY KEY (sender_key, addr))");
  fresh->exec("INSERT INTO sender_listener VALUES ('alice:orders', 'a:1', 'billing')");
  auto s = fresh->open("alice");
  s->set_source_topic("orders");
  auto rows = s->get_listeners_of_sender();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].addr, "a:1");
  EXPECT_EQ(rows[0].client_name, "");
  s->save_listener_for_sender("a:1", "billing", "bob");
  EXPECT_EQ(s->get_listeners_of_sender()[0].client_name, "bob");
}

TEST_P(store_test, catalog_register_lookup_unregister) {
  store->regist_topic("orders");
  store->regist_topic("audit");
  auto bob = open("bob", "orders", "127.0.0.1:3000");
  bob->regist_topic("orders");
  auto dir = store->get_topic_directory("orders");
  ASSERT_EQ(dir.size(), 2u); // ordered by address
  EXPECT_EQ(dir[0].addr, "127.0.0.1:3000");
  EXPECT_EQ(dir[0].client_name, "bob");
  EXPECT_EQ(dir[1].addr, "127.0.0.1:4001");
  EXPECT_EQ(dir[1].client_name, "alice");
  // Where liner keeps it (topic_addr, lnr_topic:orders:addr).
  EXPECT_EQ(db->catalog_count("orders"), 2);

  // Re-registering is an upsert: a new owner replaces the name.
  auto carol = open("carol", "orders", "127.0.0.1:4001");
  carol->regist_topic("orders");
  EXPECT_EQ(store->get_listener_unique_name("orders", "127.0.0.1:4001"), "carol");

  store->unregist_topic("orders");
  EXPECT_EQ(store->get_addresses_of_topic("orders"), std::vector<std::string>{"127.0.0.1:3000"});
  EXPECT_EQ(store->get_addresses_of_topic("audit"), std::vector<std::string>{"127.0.0.1:4001"});
  EXPECT_TRUE(store->get_topic_directory("nobody").empty());
}

TEST_P(store_test, clear_addresses_of_topic_removes_every_address_of_the_source_topic_only) {
  store->regist_topic("orders");
  store->regist_topic("audit");
  auto bob = open("bob", "orders", "127.0.0.1:3000");
  bob->regist_topic("orders");
  store->clear_addresses_of_topic();
  EXPECT_TRUE(store->get_topic_directory("orders").empty());
  EXPECT_EQ(store->get_addresses_of_topic("audit").size(), 1u);
}

TEST_P(store_test, names_with_quotes_colons_and_unicode_round_trip) {
  std::vector<std::string> names = {"it's", "a:b:c", "\"quoted\"", "тема/話題 🚀",
                                    "Robert'); DROP TABLE topic_addr;--", "back\\slash"};
  for (auto& n : names) {
    auto s = open(n, n, "addr " + n);
    s->regist_topic(n);
    auto dir = store->get_topic_directory(n);
    ASSERT_EQ(dir.size(), 1u) << n;
    EXPECT_EQ(dir[0].addr, "addr " + n);
    EXPECT_EQ(dir[0].client_name, n);
    auto k = s->get_topic_key(n);
    EXPECT_EQ(store->get_topic_key(n), k);
    auto ck = s->get_connection_key_for_sender(n);
    EXPECT_EQ(db->stored_connection_key(n, n, n), ck);
    s->set_sender_topic_by_connection_key_from_sender(ck);
    EXPECT_EQ(store->get_sender_topic_by_connection_key(ck), n);
  }
  EXPECT_EQ(db->catalog_count(), int64_t(names.size()));
}

TEST_P(store_test, topic_and_connection_keys_share_one_counter_starting_at_one) {
  EXPECT_EQ(store->get_topic_key("orders"), 1);
  EXPECT_EQ(store->get_connection_key_for_sender("bob"), 2);
  EXPECT_EQ(store->get_topic_key("billing"), 3);
  EXPECT_EQ(store->get_topic_key("orders"), 1);
  EXPECT_EQ(store->get_connection_key_for_sender("bob"), 2);
  EXPECT_EQ(db->key_counter(), 3);
  EXPECT_EQ(db->stored_connection_key("alice", "orders", "bob"), 2);
  // Another process sees the same keys.
  auto other = open("alice", "orders", "x");
  EXPECT_EQ(other->get_topic_key("billing"), 3);
  EXPECT_EQ(other->find_connection_key_for_sender("bob"), 2);
}

TEST_P(store_test, find_connection_key_never_allocates) {
  EXPECT_EQ(store->find_connection_key_for_sender("bob"), std::nullopt);
  EXPECT_EQ(db->connection_key_count(), 0);
  EXPECT_EQ(db->key_counter(), 0);
}

TEST_P(store_test, conn_sender_maps_a_connection_key_to_the_senders_topic) {
  auto ck = store->get_connection_key_for_sender("bob");
  EXPECT_EQ(store->get_sender_topic_by_connection_key(ck), std::nullopt);
  store->set_sender_topic_by_connection_key_from_sender(ck);
  auto bob = open("bob", "billing", "b");
  EXPECT_EQ(bob->get_sender_topic_by_connection_key(ck), "orders");
  store->set_source_topic("renamed");
  store->set_sender_topic_by_connection_key_from_sender(ck);
  EXPECT_EQ(bob->get_sender_topic_by_connection_key(ck), "renamed");
}

TEST_P(store_test, ack_cursor_defaults_to_zero_and_is_upserted) {
  EXPECT_EQ(store->get_last_mess_number_for_sender(5), 0u);
  // A missing row is created with 0, as liner does.
  EXPECT_EQ(db->stored_ack(5), 0);
  EXPECT_EQ(store->get_last_mess_number_for_listener(6), 0u);
  store->set_last_mess_number_from_listener(5, 42);
  EXPECT_EQ(store->get_last_mess_number_for_sender(5), 42u);
  EXPECT_EQ(db->stored_ack(5), 42);
  store->set_last_mess_numbers_from_listener({{5, 50}, {6, 7}, {8, 1}});
  EXPECT_EQ(store->get_last_mess_number_for_listener(5), 50u);
  EXPECT_EQ(store->get_last_mess_number_for_listener(6), 7u);
  EXPECT_EQ(store->get_last_mess_number_for_listener(8), 1u);
  uint64_t big = std::numeric_limits<int64_t>::max();
  store->set_last_mess_number_from_listener(5, big);
  EXPECT_EQ(store->get_last_mess_number_for_sender(5), big);
  EXPECT_THROW(store->set_last_mess_number_from_listener(5, big + 1), store_error);
  EXPECT_EQ(store->get_last_mess_number_for_sender(5), big); // unchanged
}

TEST_P(store_test, offline_queue_is_fifo_and_load_deletes) {
  std::vector<std::vector<char>> frames;
  for (uint64_t i = 1; i <= 5; ++i)
    frames.push_back(frame(i, "message " + std::to_string(i)));
  frames.push_back(frame(6, std::string("\0binary\xff", 8)));
  store->save_messages_from_sender(7, {frames.begin(), frames.begin() + 3});
  store->save_messages_from_sender(7, {frames.begin() + 3, frames.end()});
  store->save_messages_from_sender(8, {frame(1, "other")});
  EXPECT_EQ(store->count_pending_messages(7), 6);
  EXPECT_EQ(db->queue_length(7), 6);
  EXPECT_EQ(store->load_last_message_for_sender(7), frames.back());
  EXPECT_EQ(store->count_pending_messages(7), 6); // peeking deletes nothing
  EXPECT_EQ(store->load_messages_for_sender(7), frames);
  EXPECT_EQ(store->count_pending_messages(7), 0);
  EXPECT_EQ(store->load_messages_for_sender(7), std::vector<std::vector<char>>{});
  EXPECT_EQ(store->load_last_message_for_sender(7), std::nullopt);
  EXPECT_EQ(store->count_pending_messages(8), 1);
}

TEST_P(store_test, stored_frames_can_be_read_and_deleted_once_acked) {
  store->save_messages_from_sender(7, {frame(1, "a"), frame(2, "b"), frame(3, "c")});
  auto stored = store->read_messages_for_sender(7);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_LT(stored[0].id, stored[1].id);
  EXPECT_EQ(stored[2].frame, frame(3, "c"));
  EXPECT_EQ(store->count_pending_messages(7), 3); // reading deletes nothing
  store->delete_messages_for_sender(7, stored[1].id);
  auto rest = store->read_messages_for_sender(7);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].frame, frame(3, "c"));
}

TEST_P(store_test, the_queue_reads_in_pages_after_a_row_id) {
  auto ids = store->save_messages_from_sender(7, {frame(1, "a"), frame(2, "b"), frame(3, "c"),
                                                  frame(4, "d"), frame(5, "e")});
  ASSERT_EQ(ids.size(), 5u); // the rows saved, in order
  store->save_messages_from_sender(8, {frame(1, "other")});
  auto first = store->read_queue_page(7, 0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, ids[0]);
  EXPECT_EQ(first[1].id, ids[1]);
  EXPECT_EQ(first[0].frame, frame(1, "a"));
  EXPECT_EQ(first[1].frame, frame(2, "b"));
  auto second = store->read_queue_page(7, first.back().id, 2);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].frame, frame(3, "c"));
  EXPECT_GT(second[0].id, first.back().id);
  auto last = store->read_queue_page(7, second.back().id, 2);
  ASSERT_EQ(last.size(), 1u); // short: the end of the queue
  EXPECT_EQ(last[0].frame, frame(5, "e"));
  EXPECT_TRUE(store->read_queue_page(7, last.back().id, 2).empty());
  EXPECT_EQ(store->count_pending_messages(7), 5); // reading deletes nothing
}

TEST_P(store_test, sender_listener_rows_and_listener_name_fallback) {
  store->save_listener_for_sender("127.0.0.1:5000", "billing", "bob");
  store->save_listener_for_sender("127.0.0.1:5001", "__#internal_channel", "carol");
  store->save_listener_for_sender("127.0.0.1:5000", "billing", "bob2"); // upsert
  auto rows = store->get_listeners_of_sender();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].addr, "127.0.0.1:5000");
  EXPECT_EQ(rows[0].listener_topic, "billing");
  EXPECT_EQ(rows[0].client_name, "bob2");
  EXPECT_EQ(db->sender_route_count("alice", "orders"), 2);
  // Not in the catalog: the remembered name is used, for the matching topic only.
  EXPECT_EQ(store->get_listener_unique_name("billing", "127.0.0.1:5000"), "bob2");
  EXPECT_EQ(store->get_listener_unique_name("other", "127.0.0.1:5000"), std::nullopt);
  // The catalog wins when it knows the address.
  auto dave = open("dave", "billing", "127.0.0.1:5000");
  dave->regist_topic("billing");
  EXPECT_EQ(store->get_listener_unique_name("billing", "127.0.0.1:5000"), "dave");

  store->remove_sender_listeners_on_topic("billing");
  rows = store->get_listeners_of_sender();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].listener_topic, "__#internal_channel");
  // Another sender's rows are separate.
  auto other = open("alice", "other-topic", "x");
  EXPECT_TRUE(other->get_listeners_of_sender().empty());
}

TEST_P(store_test, pending_by_peer_and_count) {
  store->save_listener_for_sender("a:1", "billing", "bob");
  store->save_listener_for_sender("a:2", "billing", "bob"); // same listener twice
  store->save_listener_for_sender("a:3", "audit", "");      // name unknown: skipped
  store->save_listener_for_sender("a:4", "ship", "carol");  // no key yet: skipped
  auto ck = store->get_connection_key_for_sender("bob");
  store->save_messages_from_sender(ck, {frame(1, "x"), frame(2, "y")});
  auto rows = store->pending_by_peer();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].addr, "a:1");
  EXPECT_EQ(rows[0].listener_topic, "billing");
  EXPECT_EQ(rows[0].listener_name, "bob");
  EXPECT_EQ(rows[0].count, 2);
  // liner double counts a listener reachable at two addresses; we do not.
  EXPECT_EQ(store->pending_count(), 2);
  EXPECT_EQ(store->find_connection_key_for_sender("carol"), std::nullopt);
}

TEST_P(store_test, clear_stored_messages_deletes_this_senders_queues_acks_and_routes) {
  store->save_listener_for_sender("a:1", "billing", "bob");
  store->save_listener_for_sender("a:2", "ship", "carol"); // never got a key
  auto ck = store->get_connection_key_for_sender("bob");
  store->save_messages_from_sender(ck, {frame(1, "x")});
  store->set_last_mess_number_from_listener(ck, 1);
  // Another sender's data stays.
  auto other = open("zed", "orders", "z");
  other->save_listener_for_sender("a:1", "billing", "bob");
  auto other_ck = other->get_connection_key_for_sender("bob");
  other->save_messages_from_sender(other_ck, {frame(1, "keep")});
  auto seq_before = db->key_counter();

  store->clear_stored_messages();
  EXPECT_EQ(store->count_pending_messages(ck), 0);
  EXPECT_EQ(db->stored_ack(ck), std::nullopt);
  EXPECT_TRUE(store->get_listeners_of_sender().empty());
  EXPECT_EQ(other->count_pending_messages(other_ck), 1);
  EXPECT_EQ(other->get_listeners_of_sender().size(), 1u);
  // Keys survive, and no key was allocated for carol while clearing.
  EXPECT_EQ(store->find_connection_key_for_sender("bob"), ck);
  EXPECT_EQ(db->key_counter(), seq_before);
}

TEST_P(sql_store_test, seeding_follows_liners_isolated_file_model) {
  store->seed_receivers({{"billing", "127.0.0.1:5000", "bob"},
                         {"shipping", "127.0.0.1:5001", "carol"},
                         {"orders", "127.0.0.1:4001", "alice"}});
  EXPECT_EQ(store->get_addresses_of_topic("billing"), std::vector<std::string>{"127.0.0.1:5000"});
  EXPECT_EQ(store->get_topic_key("billing"), 1);
  EXPECT_EQ(store->get_topic_key("shipping"), 1);
  EXPECT_EQ(store->get_topic_key("orders"), 1);
  // The later peer evicts the earlier owner of connection key 1.
  EXPECT_EQ(store->find_connection_key_for_sender("carol"), 1);
  EXPECT_EQ(store->find_connection_key_for_sender("bob"), std::nullopt);
  EXPECT_EQ(store->get_sender_topic_by_connection_key(1), "shipping");
  // The next allocated id is 2.
  EXPECT_EQ(store->get_connection_key_for_sender("bob"), 2);
  // Seeding nothing changes nothing.
  store->seed_receivers({});
  EXPECT_EQ(store->get_topic_key("new-topic"), 3);
}

TEST_P(store_test, data_survives_reopening) {
  store->regist_topic("orders");
  auto ck = store->get_connection_key_for_sender("bob");
  store->save_messages_from_sender(ck, {frame(1, "persisted")});
  store.reset();
  auto again = open("alice", "orders", "127.0.0.1:4001");
  EXPECT_EQ(again->get_addresses_of_topic("orders").size(), 1u);
  EXPECT_EQ(again->get_connection_key_for_sender("bob"), ck);
  EXPECT_EQ(again->load_messages_for_sender(ck), std::vector<std::vector<char>>{frame(1, "persisted")});
}

INSTANTIATE_TEST_SUITE_P(backends, store_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(backends, sql_store_test, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// -- opening errors -------------------------------------------------------------

TEST(sqlite_store, unusable_path_is_a_clear_error) {
  EXPECT_THROW(open_sqlite_store("", "a"), store_error);
  try {
    open_sqlite_store("/nonexistent-dir/sub/liner.db", "a");
    FAIL() << "expected store_error";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/sub/liner.db"), std::string::npos)
      << e.what();
  }
}

TEST(sqlite_store, memory_database_works) {
  auto s = open_sqlite_store(":memory:", "a");
  s->set_source_topic("t");
  s->set_source_localhost("h:1");
  s->regist_topic("t");
  EXPECT_EQ(s->get_addresses_of_topic("t"), std::vector<std::string>{"h:1"});
}

// The parts of the test server's URL, as libpq parses it.
struct url_parts {
  std::string user, pass, host, port, dbname;
};

url_parts parse_test_url() {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options{
    PQconninfoParse(liner::test::postgres_url().c_str(), &error), &PQconninfoFree};
  PQfreemem(error);
  url_parts p;
  for (auto* o = options.get(); o && o->keyword; ++o) {
    std::string key = o->keyword, value = o->val ? o->val : "";
    if (key == "user")
      p.user = value;
    else if (key == "password")
      p.pass = value;
    else if (key == "host")
      p.host = value;
    else if (key == "port")
      p.port = value;
    else if (key == "dbname")
      p.dbname = value;
  }
  return p;
}

std::string schema_of(test_database& db) {
  return db.text("SELECT current_schema()");
}

TEST(postgres_store, unreachable_server_is_a_clear_error) {
  try {
    // Port 1 on loopback: nothing listens there. A blackholed address would
    // give up after libpq's connect_timeout, which the store always sets.
    open_postgres_store("postgresql://liner:liner@127.0.0.1:1/liner", "a");
    FAIL() << "expected store_error";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("postgres: cannot open store"), std::string::npos)
      << e.what();
  }
}

TEST(postgres_store, wrong_password_is_a_clear_error) {
  auto p = parse_test_url();
  auto wrong = "postgresql://" + p.user + ":definitely-wrong@" + p.host + ":" + p.port + "/"
               + p.dbname;
  try {
    open_postgres_store(wrong, "a");
    FAIL() << "expected store_error";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("password"), std::string::npos) << e.what();
  }
}

TEST(postgres_store, key_value_connection_strings_work) {
  auto p = parse_test_url();
  auto kv = "host=" + p.host + " port=" + p.port + " user=" + p.user + " password=" + p.pass
            + " dbname=" + p.dbname;
  auto db = make_test_database("postgres");
  auto s = open_postgres_store(liner::test::url_with_schema(kv, schema_of(*db)), "a");
  s->set_source_topic("t");
  s->set_source_localhost("h:1");
  s->regist_topic("t");
  EXPECT_EQ(db->scalar("SELECT COUNT(*) FROM topic_addr WHERE topic = 't'"), 1);
}

TEST(postgres_store, empty_url_means_libpq_environment_variables) {
  auto p = parse_test_url();
  auto db = make_test_database("postgres");
  std::vector<std::pair<const char*, std::string>> env = {
    {"PGHOST", p.host}, {"PGPORT", p.port}, {"PGUSER", p.user}, {"PGPASSWORD", p.pass},
    {"PGDATABASE", p.dbname}, {"PGOPTIONS", "-csearch_path=" + schema_of(*db)}};
  for (auto& [k, v] : env)
    setenv(k, v.c_str(), 1);
  std::unique_ptr<Store> s;
  EXPECT_NO_THROW(s = open_postgres_store("", "a"));
  for (auto& [k, v] : env)
    unsetenv(k);
  ASSERT_TRUE(s);
  s->set_source_topic("t");
  s->set_source_localhost("h:1");
  s->regist_topic("t");
  EXPECT_EQ(db->scalar("SELECT COUNT(*) FROM topic_addr WHERE topic = 't'"), 1);
}
