// liner::Client error codes and messages (liner 1.4.1's exact texts, spec
// 1.2/1.3), addresses, knobs, and hostile input on the listener. Same setup as
// client_test.cpp: clients in one process on one store, ephemeral ports.
#include <gtest/gtest.h>

#include <cstdint>

#include "support/client_helpers.hpp"
#include "support/raw_socket.hpp"

using namespace liner;
using namespace liner::test;

namespace {

class client_errors_test : public client_fixture {};

const std::string internal = internal_channel_topic;

bool has_row(const std::optional<std::vector<address_entry>>& rows, const std::string& addr,
             const std::string& name) {
  if (rows)
    for (auto& r : *rows)
      if (r.addr == addr && r.unique_name == name)
        return true;
  return false;
}

} // namespace

TEST_P(client_errors_test, before_run) {
  auto a = created("a-name", "a");
  ASSERT_TRUE(a);
  auto& c = *a->client;
  EXPECT_FALSE(c.is_running());

  EXPECT_FALSE(a->send("b", "x"));
  EXPECT_TRUE(failed_with(c, error_code::not_running, "you can't send_to because client not is running"));
  EXPECT_FALSE(a->send("a", "")); // "not running" is checked first
  EXPECT_TRUE(failed_with(c, error_code::not_running, "you can't send_to because client not is running"));
  EXPECT_FALSE(c.send_all("b", "x", 1));
  EXPECT_TRUE(failed_with(c, error_code::not_running, "you can't send_all because client not is running"));

  EXPECT_FALSE(c.subscribe("a"));
  EXPECT_TRUE(failed_with(c, error_code::self_topic, "you can't subscribe on your own topic"));
  EXPECT_FALSE(c.unsubscribe("a"));
  EXPECT_TRUE(failed_with(c, error_code::self_topic, "you can't unsubscribe on your own topic"));
  EXPECT_FALSE(c.subscribe(internal));
  EXPECT_TRUE(failed_with(c, error_code::internal_topic, "you can't subscribe on internal channel topic"));
  EXPECT_FALSE(c.unsubscribe(internal));
  EXPECT_TRUE(failed_with(c, error_code::internal_topic, "you can't unsubscribe on internal channel topic"));

  EXPECT_FALSE(c.set_advertise_addr("bogus"));
  EXPECT_TRUE(failed_with(c, error_code::invalid_arg, "invalid advertise address: bogus"));
  EXPECT_FALSE(c.advertise_addr());

  // Allowed while not running.
  EXPECT_TRUE(c.clear_stored_messages());
  EXPECT_TRUE(succeeded(c));
  EXPECT_TRUE(c.clear_addresses_of_topic());
  EXPECT_TRUE(c.stop()) << "stop when not running is a successful no-op";
  EXPECT_EQ(c.pending_count(), 0);
}

TEST_P(client_errors_test, while_running) {
  knob_guard restore;
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  auto& c = *a->client;

  EXPECT_FALSE(a->send("a", "x"));
  EXPECT_TRUE(failed_with(c, error_code::self_topic, "you can't send on your own topic"));
  EXPECT_FALSE(a->send("a", "")); // own topic is checked before the payload
  EXPECT_TRUE(failed_with(c, error_code::self_topic, "you can't send on your own topic"));
  EXPECT_FALSE(c.send_to("b", nullptr, 0));
  EXPECT_TRUE(failed_with(c, error_code::invalid_arg, "payload empty"));
  EXPECT_FALSE(c.send_to("nowhere", "", 0)); // the payload before the address
  EXPECT_TRUE(failed_with(c, error_code::invalid_arg, "payload empty"));
  EXPECT_FALSE(a->send("nowhere", "x", true));
  EXPECT_TRUE(failed_with(c, error_code::no_addr, "not found addr for topic nowhere"));
  EXPECT_FALSE(a->send("nowhere", "x", false));
  EXPECT_TRUE(failed_with(c, error_code::no_addr, "not found addr for topic nowhere"));
  EXPECT_FALSE(c.send_all("nowhere", "x", 1));
  EXPECT_TRUE(failed_with(c, error_code::no_addr, "not found addr for topic nowhere"));

  // 21 + payload must fit max_message_size; checked before the address, so
  // an unknown topic shows which check a message passed.
  const auto default_size = Client::max_message_size();
  ASSERT_TRUE(Client::set_max_message_size(100));
  EXPECT_FALSE(a->send("nowhere", std::string(80, 'x')));
  EXPECT_TRUE(failed_with(c, error_code::invalid_arg,
                          "payload too large for max_message_size (payload 80, framed body 101, max 100)"));
  EXPECT_FALSE(a->send("nowhere", std::string(79, 'x')));
  EXPECT_TRUE(failed_with(c, error_code::no_addr, "not found addr for topic nowhere"));
  // The wire's frame length is a u32: a larger knob does not let more through
  // (the size is refused before the data is read, so a small buffer will do).
  ASSERT_TRUE(Client::set_max_message_size(SIZE_MAX));
  char one = 'x';
  EXPECT_FALSE(c.send_to("nowhere", &one, std::size_t{5} << 30, false));
  EXPECT_TRUE(failed_with(c, error_code::invalid_arg,
                          "payload too large for max_message_size (payload 5368709120, framed body "
                          "5368709141, max 4294967295)"));
  EXPECT_FALSE(c.send_to("nowhere", &one, SIZE_MAX - 20, false));
  EXPECT_EQ(c.last_error(), error_code::invalid_arg);
  ASSERT_TRUE(Client::set_max_message_size(default_size));

  EXPECT_FALSE(c.set_advertise_addr("127.0.0.1:0"));
  EXPECT_TRUE(failed_with(c, error_code::already_running,
                          "you can't set_advertise_addr because client already is running"));
  EXPECT_FALSE(c.clear_stored_messages());
  EXPECT_TRUE(failed_with(c, error_code::clear_while_running,
                          "you can't clear_stored_messages because client already is running"));
  EXPECT_FALSE(c.clear_addresses_of_topic());
  EXPECT_TRUE(failed_with(c, error_code::clear_while_running,
                          "you can't clear_addresses_of_topic because client already is running"));

  // Success clears the last error.
  EXPECT_TRUE(a->send("b", "fine"));
  EXPECT_TRUE(succeeded(c));
  EXPECT_TRUE(b->in.wait_for_data("fine"));
}

TEST_P(client_errors_test, run_fails_with_bind_when_the_port_is_taken_or_invalid) {
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  auto taken = a->client->bound_listen_addr();
  ASSERT_TRUE(taken);

  auto c = created("c-name", "c", *taken);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->run());
  EXPECT_EQ(c->client->last_error(), error_code::bind) << c->error();
  EXPECT_NE(c->client->last_error_message().find("Address already in use"), std::string::npos)
    << c->error();
  EXPECT_FALSE(c->client->is_running());
  EXPECT_FALSE(c->client->published_addr());
  auto rows = c->client->list_addresses("c");
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty()) << "a failed run leaves no catalog row";

  auto d = created("d-name", "d", "not-an-address");
  ASSERT_TRUE(d) << "the bind string is checked by run, not by the constructor";
  EXPECT_FALSE(d->run());
  EXPECT_TRUE(failed_with(*d->client, error_code::bind, "invalid bind address: not-an-address"));
  EXPECT_TRUE(a->client->is_running()) << "the other client is unaffected";
}

// A queue cap of 3 and a peer that is gone: best-effort messages pile up in
// its route between connection attempts until send_to says busy.
TEST_P(client_errors_test, busy_when_the_send_queue_is_full) {
  knob_guard restore;
  dead_address ghost;
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  db->add_catalog_row("gone", ghost.addr(), "ghost"); // the schema exists once a client opened the store
  Client::set_max_send_queue(3);
  EXPECT_EQ(Client::max_send_queue(), 3u);

  int accepted = send_until_refused(*a, "gone");
  ASSERT_GE(accepted, 0) << "100000 messages to a dead address never filled a queue of 3";
  EXPECT_TRUE(failed_with(*a->client, error_code::busy, "send queue full"));
  auto event = a->status.wait_for(status_kind::sender_busy, "gone");
  ASSERT_TRUE(event) << "events seen:\n" << a->status.describe();
  EXPECT_EQ(event->peer, ghost.addr());
  EXPECT_EQ(event->message, "send queue full");
}

TEST_P(client_errors_test, malformed_input_closes_only_that_connection) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send("b", "before"));
  ASSERT_TRUE(b->in.wait_for_data("before"));
  auto target = *b->client->bound_listen_addr();

  using namespace std::string_literals;
  // frame_len u32 | number u64 | ck i32 | topic_key i32 | flags u8 | data_len u32
  std::string overrun = "\0\0\0\x15"s + "\0\0\0\0\0\0\0\x01"s + "\0\0\x30\x39"s + "\0\0\0\x01"s
                        + "\0"s + "\0\0\x03\xe8"s;
  struct {
    const char* what;
    std::string bytes;
  } cases[] = {
    {"frame length 0xFFFFFFFF", "\xff\xff\xff\xff"},
    {"random garbage", "\xde\xad\xbe\xef" + std::string(60, '\x5a')},
    {"an HTTP request", "GET / HTTP/1.1\r\nHost: liner\r\n\r\n"},
    {"frame length 0", "\0\0\0\0"s + std::string(30, '\x01')},
    {"body shorter than a header", "\0\0\0\x05"s + "abcde"},
    {"data length beyond the frame", overrun},
  };
  for (auto& c : cases) {
    raw_connection conn{target};
    conn.write_all(c.bytes); // may fail if the listener already closed it
    EXPECT_EQ(conn.wait_closed(), "closed") << c.what;
  }

  ASSERT_TRUE(a->send("b", "after")) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("after"));
  EXPECT_EQ(b->in.payloads(), (std::vector<std::string>{"before", "after"}));
  EXPECT_TRUE(b->client->is_running());
}

TEST_P(client_errors_test, address_getters_follow_run_and_stop) {
  auto a = created("a-name", "a");
  ASSERT_TRUE(a);
  auto& c = *a->client;
  EXPECT_FALSE(c.bound_listen_addr());
  EXPECT_FALSE(c.published_addr());
  EXPECT_FALSE(c.advertise_addr());

  // Advertised port 0 means "the port we bound".
  ASSERT_TRUE(c.set_advertise_addr("127.0.0.1:0")) << a->error();
  EXPECT_EQ(c.advertise_addr(), std::optional<std::string>{"127.0.0.1:0"});
  ASSERT_TRUE(a->run()) << a->error();
  auto bound = c.bound_listen_addr();
  ASSERT_TRUE(bound);
  ASSERT_EQ(bound->rfind("127.0.0.1:", 0), 0u) << *bound;
  EXPECT_NE(*bound, "127.0.0.1:0");
  EXPECT_EQ(c.published_addr(), bound);
  EXPECT_TRUE(has_row(c.list_addresses("a"), *bound, "a-name"));
  EXPECT_TRUE(has_row(c.list_addresses(internal), *bound, "a-name"));

  ASSERT_TRUE(c.stop());
  EXPECT_FALSE(c.published_addr());
  EXPECT_EQ(c.bound_listen_addr(), bound) << "kept after stop";
  EXPECT_FALSE(has_row(c.list_addresses("a"), *bound, "a-name"));
  EXPECT_EQ(c.advertise_addr(), std::optional<std::string>{"127.0.0.1:0"});

  ASSERT_TRUE(c.set_advertise_addr("127.0.0.1:4999"));
  ASSERT_TRUE(a->run()) << a->error();
  EXPECT_EQ(c.published_addr(), std::optional<std::string>{"127.0.0.1:4999"});
  EXPECT_TRUE(has_row(c.list_addresses("a"), "127.0.0.1:4999", "a-name"));
  ASSERT_TRUE(c.stop());

  ASSERT_TRUE(c.set_advertise_addr("")); // clears
  EXPECT_TRUE(succeeded(c));
  EXPECT_FALSE(c.advertise_addr());
  ASSERT_TRUE(a->run()) << a->error();
  EXPECT_EQ(c.published_addr(), c.bound_listen_addr());
}

TEST_P(client_errors_test, knobs_have_liners_defaults_and_reject_zero) {
  knob_guard restore;
  EXPECT_EQ(Client::max_message_size(), 1073741824u);
  EXPECT_EQ(Client::compress_threshold(), 1048576u);
  EXPECT_EQ(Client::max_send_queue(), 0u);
  EXPECT_FALSE(Client::set_max_message_size(0));
  EXPECT_FALSE(Client::set_compress_threshold(0));
  EXPECT_EQ(Client::max_message_size(), 1073741824u);
  EXPECT_EQ(Client::compress_threshold(), 1048576u);
  EXPECT_TRUE(Client::set_compress_threshold(10));
  EXPECT_EQ(Client::compress_threshold(), 10u);
}

INSTANTIATE_TEST_SUITE_P(backends, client_errors_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
