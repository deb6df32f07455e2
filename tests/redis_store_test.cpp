// What only the Redis store has: liner's URL forms, liner 1.4.1's exact key
// layout (read and written the way Rust liner reads and writes it), and bad
// input from the server side (a refused password, keys of the wrong type).
// The Store operations themselves run on Redis in store_test.
#include <gtest/gtest.h>

#include "runtime/frame_codec.hpp"
#include "stores/redis_connection.hpp"
#include "stores/redis_store.hpp"
#include "support/test_backends.hpp"

using namespace liner;
using namespace liner::test;

namespace {

using strings = std::vector<std::string>;

std::vector<char> frame(uint64_t number, const std::string& payload) {
  std::vector<char> out;
  encode_frame(out, {number, 7, 3, frame_flags::at_least_once}, payload.data(), payload.size());
  return out;
}

class redis_store_test : public ::testing::Test {
protected:
  void SetUp() override {
    db = make_test_database("redis");
    store = open("alice", "orders", "127.0.0.1:4001");
  }
  std::unique_ptr<Store> open(const std::string& name, const std::string& topic,
                              const std::string& addr) {
    return open_store(*db, name, topic, addr);
  }
  strings redis(const strings& args) { return db->command(args); }

  std::unique_ptr<test_database> db;
  std::unique_ptr<Store> store;
};

std::string store_failure_of(const std::function<void()>& f, store_failure* kind = nullptr) {
  try {
    f();
  } catch (const store_error& e) {
    if (kind)
      *kind = e.kind();
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST(redis_url, liners_forms_are_read_like_the_rust_redis_crate_reads_them) {
  auto a = redis::parse_url("redis://127.0.0.1/");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 6379);
  EXPECT_EQ(a.db, 0);
  EXPECT_EQ(a.password, "");
  a = redis::parse_url("redis://:s%40cret@db.example:6380/3");
  EXPECT_EQ(a.host, "db.example");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(a.db, 3);
  EXPECT_EQ(a.user, "");
  EXPECT_EQ(a.password, "s@cret");
  a = redis::parse_url("redis://ops:pw@[::1]:7000");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 7000);
  EXPECT_EQ(a.user, "ops");
  EXPECT_EQ(a.password, "pw");
  EXPECT_EQ(a.describe(), "[::1]:7000 db 0");
  a = redis::parse_url("unix:///run/redis/redis.sock?db=2&pass=x");
  EXPECT_EQ(a.unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(a.db, 2);
  EXPECT_EQ(a.password, "x");
}

TEST(redis_url, bad_urls_say_what_is_wrong) {
  for (auto [url, why] : std::vector<std::pair<std::string, std::string>>{
         {"127.0.0.1:6379", "expected redis://host[:port][/db]"},
         {"http://x", "expected redis://"},
         {"rediss://x", "TLS to Redis (rediss://) is not supported"},
         {"redis://", "no host"},
         {"redis://h:0", "the port must be a number from 1 to 65535"},
         {"redis://h:99999", "the port must be a number"},
         {"redis://h:x", "the port must be a number"},
         {"redis://h/db1", "the path must be a database number"},
         {"redis://[::1", "unclosed ["},
         {"redis://us%zzer@h", "bad %-escape"},
         {"unix://relative.sock", "absolute path"}}) {
    auto text = store_failure_of([&] { redis::parse_url(url); });
    auto shown = url == "redis://us%zzer@h" ? "redis://***@h" : url; // a lone user part is a password
    EXPECT_NE(text.find("invalid Redis URL '" + shown + "'"), std::string::npos) << text;
    EXPECT_NE(text.find(why), std::string::npos) << url << ": " << text;
  }
}

TEST(redis_url, a_bad_url_never_shows_its_password) {
  for (std::string url : {"redis://:s3cret@h:0", "redis://ops:s3cret@h/x", "redis://s3cret@[::1",
                          "redis://:s3cret%zz@h", "unix:///tmp/r.sock?db=x&pass=s3cret"}) {
    auto text = store_failure_of([&] { redis::parse_url(url); });
    EXPECT_NE(text.find("invalid Redis URL"), std::string::npos) << text;
    EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
    if (url.find('@') != std::string::npos) {
      EXPECT_NE(text.find("***@"), std::string::npos) << text;
    }
  }
}

TEST(redis_server, unreachable_server_is_a_connection_failure_named_by_address) {
  store_failure kind{};
  auto text = store_failure_of([] { open_redis_store("redis://127.0.0.1:1/0", "a"); }, &kind);
  EXPECT_EQ(kind, store_failure::connection_lost);
  EXPECT_NE(text.find("cannot connect to Redis at 127.0.0.1:1 db 0"), std::string::npos) << text;
}

TEST(redis_server, a_wrong_password_is_refused_and_never_shown) {
  auto good = redis::parse_url(redis_url());
  auto url = "redis://:not-the-password@" + good.host + ":" + std::to_string(good.port) + "/0";
  store_failure kind{};
  auto text = store_failure_of([&] { open_redis_store(url, "a"); }, &kind);
  EXPECT_EQ(kind, store_failure::error); // retrying cannot help
  EXPECT_NE(text.find("refused the password"), std::string::npos) << text;
  EXPECT_EQ(text.find("not-the-password"), std::string::npos) << text;
  auto no_password = "redis://" + good.host + ":" + std::to_string(good.port) + "/0";
  text = store_failure_of([&] { open_redis_store(no_password, "a"); });
  EXPECT_NE(text.find("NOAUTH"), std::string::npos) << text;
  auto no_such_db = "redis://:" + good.password + "@" + good.host + ":" + std::to_string(good.port)
                    + "/100000";
  text = store_failure_of([&] { open_redis_store(no_such_db, "a"); });
  EXPECT_NE(text.find("refused the database"), std::string::npos) << text;
}

// The keys Rust liner 1.4.1 reads (src/store/redis.rs), byte for byte.
TEST_F(redis_store_test, writes_liners_keys) {
  store->regist_topic("orders");
  EXPECT_EQ(redis({"HGETALL", "lnr_topic:orders:addr"}), (strings{"127.0.0.1:4001", "alice"}));
  EXPECT_EQ(store->get_topic_key("orders"), 1);
  EXPECT_EQ(redis({"GET", "lnr_topic:orders:key"}), strings{"1"});
  auto ck = store->get_connection_key_for_sender("bob");
  EXPECT_EQ(redis({"GET", "lnr_connection:alice:orders:bob:key"}), strings{std::to_string(ck)});
  EXPECT_EQ(redis({"GET", "lnr_unique_key"}), strings{"2"});
  store->save_listener_for_sender("127.0.0.1:5000", "billing", "bob");
  EXPECT_EQ(redis({"HGETALL", "lnr_sender:alice:orders:listener"}),
            (strings{"127.0.0.1:5000", std::string("billing\x1f" "bob")}));
  store->set_sender_topic_by_connection_key_from_sender(ck);
  EXPECT_EQ(redis({"GET", "lnr_connection:2:sender"}), strings{"orders"});
  store->set_last_mess_number_from_listener(ck, 17);
  EXPECT_EQ(redis({"GET", "lnr_connection:2:mess_number"}), strings{"17"});
  store->save_messages_from_sender(ck, {frame(18, "a"), frame(19, "b")});
  auto f18 = frame(18, "a");
  EXPECT_EQ(redis({"LINDEX", "lnr_connection:2:messages", "0"}),
            strings{std::string(f18.begin(), f18.end())});
  EXPECT_EQ(redis({"LLEN", "lnr_connection:2:messages"}), strings{"2"});
}

TEST_F(redis_store_test, names_are_escaped_as_liner_escapes_them) {
  auto s = open("a:b\\c", "t:1", "h:1");
  s->regist_topic("t:1");
  EXPECT_EQ(redis({"HGETALL", "lnr_topic:t\\c1:addr"}), (strings{"h:1", "a:b\\c"}));
  auto ck = s->get_connection_key_for_sender("x:y");
  EXPECT_EQ(redis({"GET", "lnr_connection:a\\cb\\\\c:t\\c1:x\\cy:key"}), strings{std::to_string(ck)});
  EXPECT_EQ(s->get_connection_composite(ck), "a:b\\c:t:1:x:y");
}

// What a Rust liner peer leaves in Redis is read as such.
TEST_F(redis_store_test, reads_what_rust_liner_writes) {
  redis({"HSET", "lnr_topic:billing:addr", "10.0.0.5:7000", "bob"});
  redis({"SET", "lnr_unique_key", "41"});
  redis({"SET", "lnr_topic:billing:key", "40"});
  redis({"SET", "lnr_connection:bob:billing:alice:key", "41"}); // Rust bob -> alice
  redis({"SET", "lnr_connection:41:sender", "billing"});
  redis({"HSET", "lnr_sender:alice:orders:listener", "10.0.0.6:7000", "audit"}); // old liner: topic only
  auto f = frame(5, "from rust");
  redis({"RPUSH", "lnr_connection:41:messages", std::string(f.begin(), f.end())});

  EXPECT_EQ(store->get_listener_unique_name("billing", "10.0.0.5:7000"), "bob");
  EXPECT_EQ(store->get_topic_key("billing"), 40);
  EXPECT_EQ(store->get_topic_key("fresh"), 42); // the shared counter goes on
  EXPECT_EQ(store->get_sender_topic_by_connection_key(41), "billing");
  // No liner-caf reverse key: the key is found among liner's mappings.
  EXPECT_EQ(store->get_connection_composite(41), "bob:billing:alice");
  auto rows = store->get_listeners_of_sender();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].listener_topic, "audit");
  EXPECT_EQ(rows[0].client_name, "");
  auto stored = store->read_messages_for_sender(41);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, 5); // a stored frame's id is its number
  EXPECT_EQ(stored[0].frame, f);
  EXPECT_EQ(store->get_last_mess_number_for_sender(41), 0u);
  EXPECT_EQ(redis({"GET", "lnr_connection:41:mess_number"}), strings{"0"}); // as liner: the default is written
}

TEST_F(redis_store_test, a_durable_save_trims_acked_frames_and_appends_in_one_step) {
  auto ck = store->get_connection_key_for_sender("bob");
  store->save_messages_from_sender(ck, {frame(1, "a"), frame(2, "b"), frame(3, "c")});
  auto ids = store->append_to_queue(ck, {frame(4, "d")}, 2);
  EXPECT_EQ(ids, std::vector<int64_t>{4});
  auto rest = store->read_messages_for_sender(ck);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].frame, frame(3, "c"));
  EXPECT_EQ(rest[1].frame, frame(4, "d"));
  store->append_to_queue(ck, {}, 4); // nothing new: only the trim
  EXPECT_EQ(store->count_pending_messages(ck), 0);
}

// Keys of the wrong type (another program's data, a damaged store): a clear
// error, and the failing write changes nothing.
TEST_F(redis_store_test, keys_of_the_wrong_type_are_a_clear_error_and_change_nothing) {
  redis({"SET", "lnr_topic:orders:addr", "not a hash"});
  auto text = store_failure_of([&] { store->regist_topic("orders"); });
  EXPECT_NE(text.find("WRONGTYPE"), std::string::npos) << text;
  EXPECT_NE(text.find("lnr_topic:orders:addr"), std::string::npos) << text;
  EXPECT_EQ(redis({"GET", "lnr_topic:orders:addr"}), strings{"not a hash"});
  text = store_failure_of([&] { store->get_topic_directory("orders"); });
  EXPECT_NE(text.find("WRONGTYPE"), std::string::npos) << text;

  redis({"SET", "lnr_connection:5:mess_number", "twelve"});
  text = store_failure_of([&] { store->get_last_mess_number_for_sender(5); });
  EXPECT_NE(text.find("lnr_connection:5:mess_number holds 'twelve', not a message number"),
            std::string::npos)
    << text;
  redis({"SET", "lnr_topic:billing:key", "x"});
  text = store_failure_of([&] { store->get_topic_key("billing"); });
  EXPECT_NE(text.find("holds 'x', not a liner key"), std::string::npos) << text;
  redis({"HSET", "lnr_connection:6:messages", "f", "v"});
  text = store_failure_of([&] { store->save_messages_from_sender(6, {frame(1, "a")}); });
  EXPECT_NE(text.find("WRONGTYPE"), std::string::npos) << text;
  // The connection stays usable after an error reply.
  store->regist_topic("audit");
  EXPECT_EQ(store->get_addresses_of_topic("audit"), strings{"127.0.0.1:4001"});
}

TEST_F(redis_store_test, dead_addresses_go_last_until_a_client_registers_there) {
  auto b = open("bob", "billing", "127.0.0.1:3000");
  b->regist_topic("billing");
  auto c = open("carol", "billing", "127.0.0.1:2000");
  c->regist_topic("billing");
  EXPECT_EQ(store->get_addresses_of_topic("billing"), (strings{"127.0.0.1:2000", "127.0.0.1:3000"}));
  store->mark_address_dead("127.0.0.1:2000", "carol");
  EXPECT_EQ(store->get_addresses_of_topic("billing"), (strings{"127.0.0.1:3000", "127.0.0.1:2000"}));
  EXPECT_EQ(store->get_addresses_of_client("carol"), strings{"127.0.0.1:2000"});
  c->regist_topic("billing"); // it lives there again
  EXPECT_EQ(store->get_addresses_of_topic("billing"), (strings{"127.0.0.1:2000", "127.0.0.1:3000"}));
}

TEST_F(redis_store_test, route_topics_follow_the_sql_stores) {
  store->save_listener_for_sender("a:1", "billing", "bob");
  store->remember_route_topic("bob", "billing");
  store->remember_route_topic("bob", "audit");
  EXPECT_EQ(store->get_routes_for_topic("audit").size(), 1u);
  store->remove_sender_listeners_on_topic("billing");
  auto rows = store->get_listeners_of_sender();
  ASSERT_EQ(rows.size(), 1u); // the route still carries audit: the row takes that topic
  EXPECT_EQ(rows[0].listener_topic, "audit");
  store->remove_sender_listeners_on_topic("audit");
  EXPECT_TRUE(store->get_listeners_of_sender().empty());
  // remember_listener_address keeps a known listener's topic.
  store->save_listener_for_sender("a:2", "ship", "carol");
  store->remember_listener_address("a:2", "other", "carol");
  EXPECT_EQ(store->get_listeners_of_sender()[0].listener_topic, "ship");
  store->remember_listener_address("a:2", "other", "dave"); // another listener there now
  EXPECT_EQ(store->get_listeners_of_sender()[0].listener_topic, "other");
}
