// TLS between peers (runtime/tls.hpp): clients in this process, real
// sockets, certificates made by the openssl command for each test (a CA,
// leaves signed by it, and a leaf of another CA).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "runtime/frame_codec.hpp"
#include "support/client_helpers.hpp"
#include "support/raw_socket.hpp"

using namespace liner;
using namespace liner::test;

namespace {

// Runs a shell command; fails the test if it does not succeed.
void sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  ASSERT_EQ(rc, 0) << cmd;
}

struct files {
  std::string cert, key, ca;
};

class tls_test : public client_fixture {
protected:
  void SetUp() override {
    client_fixture::SetUp();
    make_ca("ca");
    make_ca("other-ca");
    good_a = make_leaf("a", "ca");
    good_b = make_leaf("b", "ca");
    stranger = make_leaf("x", "other-ca");
  }

  std::string path(const std::string& name) const { return dir.path() + "/" + name; }

  void make_ca(const std::string& name) {
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
       " -subj /CN=" + name + " -keyout " + path(name + ".key") + " -out " + path(name + ".pem"));
  }

  files make_leaf(const std::string& name, const std::string& ca) {
    sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + name
       + " -keyout " + path(name + ".key") + " -out " + path(name + ".csr"));
    sh("openssl x509 -req -days 2 -in " + path(name + ".csr") + " -CA " + path(ca + ".pem")
       + " -CAkey " + path(ca + ".key") + " -CAcreateserial -out " + path(name + ".pem"));
    return {path(name + ".pem"), path(name + ".key"), path(ca + ".pem")};
  }

  /// A running peer with TLS files (none if `f` is null) and a secret.
  std::unique_ptr<peer> running_with(const std::string& name, const std::string& topic,
                                     const files* f, const std::string& secret = "") {
    auto p = created(name, topic);
    if (!p)
      return nullptr;
    if (f && !p->client->set_tls(f->cert, f->key, f->ca)) {
      ADD_FAILURE() << "set_tls: " << p->error();
      return nullptr;
    }
    if (!p->client->set_auth_secret(secret) || !p->run()) {
      ADD_FAILURE() << name << ": " << p->error();
      return nullptr;
    }
    return p;
  }

  temp_dir dir;
  files good_a, good_b, stranger;
};

} // namespace

TEST_P(tls_test, peers_of_one_ca_exchange_messages_both_ways) {
  auto a = running_with("a-name", "a", &good_a);
  auto b = running_with("b-name", "b", &good_b);
  ASSERT_TRUE(a && b);
  std::string big(3 * 1024 * 1024 + 7, 'q'); // compressed, and larger than a TLS record
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(a->send("b", numbered(i))) << a->error();
  ASSERT_TRUE(a->send("b", big, false)) << a->error();
  ASSERT_TRUE(b->send("a", "back")) << b->error();
  ASSERT_TRUE(b->in.wait_for_count(101)) << a->status.describe();
  ASSERT_TRUE(a->in.wait_for_data("back")) << b->status.describe();
  auto got = b->in.payloads();
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(got[static_cast<std::size_t>(i)], numbered(i));
  EXPECT_EQ(got[100], big);
}

TEST_P(tls_test, tls_and_a_shared_secret_together) {
  auto a = running_with("a-name", "a", &good_a, "k");
  auto b = running_with("b-name", "b", &good_b, "k");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->send("b", "both")) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("both")) << a->status.describe();
}

TEST_P(tls_test, a_certificate_of_another_ca_is_refused) {
  auto b = running_with("b-name", "b", &good_b);
  files x = stranger;
  x.ca = good_a.ca; // it trusts our CA, but its own certificate is not ours
  auto a = running_with("x-name", "x", &x);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->send("b", "never")) << a->error();
  EXPECT_TRUE(a->status.wait_for_text(status_kind::sender_route_lost, "unknown ca"))
    << a->status.describe();
  EXPECT_EQ(b->in.size(), 0u);
}

TEST_P(tls_test, plain_and_tls_peers_refuse_each_other) {
  auto b = running_with("b-name", "b", &good_b);
  auto plain = running_with("p-name", "p", nullptr);
  ASSERT_TRUE(b && plain);
  ASSERT_TRUE(plain->send("b", "plain to tls")) << plain->error();
  EXPECT_TRUE(plain->status.wait_for_text(status_kind::sender_route_lost, "stream closed"))
    << plain->status.describe();
  ASSERT_TRUE(b->send("p", "tls to plain")) << b->error();
  EXPECT_TRUE(b->status.wait_for_text(status_kind::sender_route_lost, "stream closed"))
    << b->status.describe();
  EXPECT_EQ(b->in.size(), 0u);
  EXPECT_EQ(plain->in.size(), 0u);
  // Raw plaintext to the TLS listener: closed.
  raw_connection raw{*b->client->published_addr()};
  byte_buffer frame;
  encode_frame(frame, {1, 1, 1, 0}, "x", 1);
  ASSERT_TRUE(raw.write_all(std::string(frame.begin(), frame.end())));
  EXPECT_NE(raw.wait_closed().find("closed"), std::string::npos);
}

TEST_P(tls_test, bad_files_are_refused_with_a_clear_error) {
  auto a = created("a-name", "a");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->client->set_tls(path("missing.pem"), good_a.key, good_a.ca));
  EXPECT_EQ(a->client->last_error(), error_code::invalid_arg);
  EXPECT_NE(a->client->last_error_message().find("missing.pem"), std::string::npos)
    << a->client->last_error_message();
  EXPECT_FALSE(a->client->set_tls(good_a.cert, good_b.key, good_a.ca)); // not its key
  EXPECT_EQ(a->client->last_error(), error_code::invalid_arg);
  EXPECT_NE(a->client->last_error_message().find("TLS key " + good_b.key), std::string::npos)
    << a->client->last_error_message();
  EXPECT_FALSE(a->client->set_tls(good_a.cert, "", good_a.ca));
  EXPECT_TRUE(failed_with(*a->client, error_code::invalid_arg,
                          "TLS needs a certificate, a key and a CA file"));
  EXPECT_TRUE(a->client->set_tls("", "", "")); // off
  ASSERT_TRUE(a->client->set_tls(good_a.cert, good_a.key, good_a.ca)) << a->error();
  ASSERT_TRUE(a->run());
  EXPECT_FALSE(a->client->set_tls("", "", ""));
  EXPECT_EQ(a->client->last_error(), error_code::already_running);
}

INSTANTIATE_TEST_SUITE_P(backends, tls_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
