// Authentication with a shared secret (runtime/auth.hpp): clients in this
// process on one store, real sockets; raw connections stand for attackers.
#include <gtest/gtest.h>

#include <cstdlib>

#include "runtime/auth.hpp"
#include "runtime/frame_codec.hpp"
#include "support/client_helpers.hpp"
#include "support/raw_socket.hpp"

using namespace liner;
using namespace liner::test;

namespace {

class auth_test : public client_fixture {
protected:
  /// A running peer with `secret` ("" for none).
  std::unique_ptr<peer> running_with(const std::string& name, const std::string& topic,
                                     const std::string& secret) {
    auto p = created(name, topic);
    if (!p)
      return nullptr;
    if (!p->client->set_auth_secret(secret)) {
      ADD_FAILURE() << "set_auth_secret: " << p->error();
      return nullptr;
    }
    if (!p->run()) {
      ADD_FAILURE() << name << ": run failed: " << p->error();
      return nullptr;
    }
    return p;
  }
};

std::string frame(int32_t ck, int32_t topic_key, uint64_t number, const std::string& data) {
  byte_buffer out;
  encode_frame(out, {number, ck, topic_key, 0}, data.data(), data.size());
  return {out.begin(), out.end()};
}

} // namespace

TEST_P(auth_test, peers_with_the_same_secret_exchange_messages_both_ways) {
  auto a = running_with("a-name", "a", "s3cret");
  auto b = running_with("b-name", "b", "s3cret");
  ASSERT_TRUE(a && b);
  std::string big(2 * 1024 * 1024, 'z'); // compressed on the wire
  ASSERT_TRUE(a->send("b", "to b")) << a->error();
  ASSERT_TRUE(a->send("b", big, false)) << a->error();
  ASSERT_TRUE(b->send("a", "to a", false)) << b->error();
  ASSERT_TRUE(b->in.wait_for_count(2)) << b->status.describe();
  ASSERT_TRUE(a->in.wait_for_count(1)) << a->status.describe();
  EXPECT_EQ(b->in.payloads(), (std::vector<std::string>{"to b", big}));
  EXPECT_EQ(a->in.snapshot()[0].from, "b");
  EXPECT_EQ(a->in.snapshot()[0].data, "to a");
}

TEST_P(auth_test, a_listener_without_the_secret_is_refused_and_gets_the_message_once_it_has_it) {
  auto b = running_with("b-name", "b", "");
  auto a = running_with("a-name", "a", "s3cret");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->send("b", "kept")) << a->error();
  EXPECT_TRUE(a->status.wait_for_text(status_kind::sender_route_lost, "refused to authenticate"))
    << a->status.describe();
  EXPECT_EQ(b->in.size(), 0u);
  // b learns the secret: the at-least-once message was kept and arrives.
  ASSERT_TRUE(b->client->stop());
  ASSERT_TRUE(b->client->set_auth_secret("s3cret")) << b->error();
  ASSERT_TRUE(b->run()) << b->error();
  ASSERT_TRUE(b->in.wait_for_data("kept")) << a->status.describe();
  EXPECT_EQ(b->in.payloads(), (std::vector<std::string>{"kept"}));
}

TEST_P(auth_test, a_sender_without_the_secret_is_refused) {
  auto b = running_with("b-name", "b", "s3cret");
  auto a = running_with("a-name", "a", "");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->send("b", "kept")) << a->error();
  EXPECT_TRUE(a->status.wait_for_text(status_kind::sender_route_lost, "stream closed"))
    << a->status.describe();
  EXPECT_EQ(b->in.size(), 0u);
  ASSERT_TRUE(a->client->stop());
  ASSERT_TRUE(a->client->set_auth_secret("s3cret")) << a->error();
  ASSERT_TRUE(a->run()) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("kept")) << a->status.describe();
}

TEST_P(auth_test, different_secrets_refuse_each_other) {
  auto b = running_with("b-name", "b", "one");
  auto a = running_with("a-name", "a", "two");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->send("b", "never")) << a->error();
  EXPECT_TRUE(a->status.wait_for_text(status_kind::sender_route_lost, "does not hold our shared secret"))
    << a->status.describe();
  EXPECT_EQ(b->in.size(), 0u);
}

TEST_P(auth_test, frames_without_a_handshake_or_with_a_wrong_answer_close_the_connection) {
  auto b = running_with("b-name", "b", "s3cret");
  auto a = running_with("a-name", "a", "s3cret");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->send("b", "real")) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("real"));
  auto addr = *b->client->published_addr();
  {
    // A data frame straight away, as liner would send it.
    raw_connection attacker{addr};
    ASSERT_TRUE(attacker.write_all(frame(1, 1, 1000, "forged")));
    EXPECT_EQ(attacker.wait_closed(), "closed");
  }
  {
    // A handshake answered without the secret: the challenge comes back,
    // then the connection closes.
    raw_connection attacker{addr};
    auth::initiator guess{std::make_shared<const auth::secret>("guess"), "a-name", "b-name"};
    ASSERT_TRUE(attacker.write_all(frame(1, auth::topic_key, 0, guess.hello())));
    std::string response = R"({"auth":1,"step":"response","mac":"00"})";
    ASSERT_TRUE(attacker.write_all(frame(1, auth::topic_key, 0, response)
                                   + frame(1, 1, 1000, "forged")));
    EXPECT_NE(attacker.wait_closed().find("closed"), std::string::npos);
  }
  ASSERT_TRUE(a->send("b", "after")) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("after"));
  EXPECT_EQ(b->in.payloads(), (std::vector<std::string>{"real", "after"}));
}

TEST_P(auth_test, the_secret_is_set_only_while_stopped_and_comes_from_the_environment) {
  auto a = running_with("a-name", "a", "x");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->client->set_auth_secret("y"));
  EXPECT_TRUE(failed_with(*a->client, error_code::already_running,
                          "you can't set_auth_secret because client already is running"));
  // LINER_AUTH_SECRET is the default: b gets it from there and talks to a.
  ::setenv("LINER_AUTH_SECRET", "x", 1);
  auto b = created("b-name", "b");
  ::unsetenv("LINER_AUTH_SECRET");
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->run()) << b->error();
  ASSERT_TRUE(b->send("a", "via env")) << b->error();
  ASSERT_TRUE(a->in.wait_for_data("via env")) << b->status.describe();
}

INSTANTIATE_TEST_SUITE_P(backends, auth_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
