// Silent peers (docs/failure-modes.md): heartbeats between liner-caf peers,
// negotiated in the hello, find a peer that stops answering while its
// kernel still acknowledges every byte (a SIGSTOPped process: what a host
// behind a partition looks like from the application). Real clients, a real
// child process, real TCP. A fake Rust liner listener (a raw socket that
// reads and never writes) checks that no heartbeat goes to a peer that did
// not negotiate them. Across real network namespaces, scenarios/ covers
// hosts that vanish (docs/scenarios.md, network scenarios).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <csignal>
#include <thread>

#include "actors/route.hpp"
#include "runtime/frame_codec.hpp"
#include "support/captured_log.hpp"
#include "support/client_helpers.hpp"
#include "support/metrics_helpers.hpp"
#include "support/peer_lines.hpp"
#include "support/peer_process.hpp"
#include "support/raw_socket.hpp"

using namespace liner;
using namespace liner::test;
using namespace std::chrono_literals;

namespace {

// Short settings, so a test waits a fraction of a second for each loss.
constexpr int64_t heartbeat_ms = 50;
constexpr int64_t peer_timeout_ms = 500;

class heartbeat_test : public client_fixture {
protected:
  void SetUp() override {
    client_fixture::SetUp();
    heartbeat_ = Client::heartbeat_ms();
    peer_timeout_ = Client::peer_timeout_ms();
    ASSERT_TRUE(Client::set_heartbeat_ms(heartbeat_ms));
    ASSERT_TRUE(Client::set_peer_timeout_ms(peer_timeout_ms));
  }
  void TearDown() override {
    Client::set_heartbeat_ms(heartbeat_);
    Client::set_peer_timeout_ms(peer_timeout_);
  }

  /// liner-peer NAME/TOPIC in a child process with the same settings.
  std::unique_ptr<peer_process> child(const std::string& name, const std::string& topic) {
    std::vector<std::string> argv{LINER_PEER_BIN, "--name", name, "--topic", topic,
                                  "--" + db->kind(), db->location()};
    return start_until_ready(name, argv,
                             {"LINER_HEARTBEAT_MS=" + std::to_string(heartbeat_ms),
                              "LINER_PEER_TIMEOUT_MS=" + std::to_string(peer_timeout_ms)});
  }

  int64_t heartbeat_ = 0;
  int64_t peer_timeout_ = 0;
};

// A listener that reads frames and never writes, as Rust liner does (it
// acks through the store only). It takes every connection: a route may
// dial twice (a catalog notification that came while it was connecting
// starts a new attempt, and the stale one is closed).
class silent_listener {
public:
  silent_listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    addr_ = bind_loopback(fd_, 4, "silent_listener");
  }
  ~silent_listener() {
    for (auto& c : conns_)
      if (c.fd >= 0)
        close(c.fd);
    close(fd_);
  }
  const std::string& addr() const { return addr_; }

  /// Reads frames from every connection until one carries `payload` (true) or 20 s pass.
  bool read_until(const std::string& payload) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<pollfd> fds{{fd_, POLLIN, 0}};
      for (auto& c : conns_)
        fds.push_back({c.fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 100) <= 0)
        continue;
      if (fds[0].revents != 0)
        conns_.push_back({accept(fd_, nullptr, nullptr), {}});
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0)
          continue;
        auto& c = conns_[i - 1];
        char buf[4096];
        auto n = recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) { // closed by the route: poll skips it from now on (fd -1)
          close(c.fd);
          c.fd = -1;
          continue;
        }
        bool found = false;
        c.decoder.feed(buf, static_cast<std::size_t>(n), [&](const frame_view& f) {
          std::string data{f.data, f.size};
          frames_.push_back({f.header.topic_key, data});
          found |= data == payload;
        });
        if (found)
          return true;
      }
    }
    return false;
  }

  struct seen {
    int32_t topic_key;
    std::string data;
  };
  /// Every frame read, from every connection, each connection's in order.
  const std::vector<seen>& frames() const { return frames_; }

private:
  struct connection {
    int fd;
    frame_decoder decoder;
  };
  int fd_ = -1;
  std::string addr_;
  std::vector<connection> conns_;
  std::vector<seen> frames_;
};

} // namespace

TEST_P(heartbeat_test, a_frozen_listener_is_lost_within_the_peer_timeout_and_nothing_is_lost) {
  auto l = child("l", "L");
  ASSERT_TRUE(l);
  auto s = running("s", "S");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->send("L", "before")) << s->error();
  ASSERT_TRUE(has_line(*l, "recv to=L from=S data=before")) << dump(*l);

  // Its kernel still takes and acknowledges every byte: only heartbeats tell.
  l->kill(SIGSTOP);
  ASSERT_TRUE(s->send("L", "during")) << s->error();
  EXPECT_TRUE(s->status.wait_for_text(status_kind::sender_route_lost, "no word from l at "))
    << s->status.describe();
  EXPECT_TRUE(s->status.wait_for_text(status_kind::sender_route_lost,
                                      "within the peer timeout (500 ms)"))
    << s->status.describe();

  l->kill(SIGCONT);
  ASSERT_TRUE(s->send("L", "after")) << s->error();
  EXPECT_TRUE(has_line(*l, "recv to=L from=S data=during")) << dump(*l);
  EXPECT_TRUE(has_line(*l, "recv to=L from=S data=after")) << dump(*l);
  EXPECT_TRUE(holds_nothing(*s->client)) << stats_of(*s->client).dump();
}

TEST_P(heartbeat_test, a_frozen_sender_is_closed_by_the_listener_and_comes_back) {
  captured_log log;
  auto l = running("l", "L");
  ASSERT_TRUE(l);
  auto s = child("s", "S");
  ASSERT_TRUE(s);
  ASSERT_EQ(command(*s, "send L before alo"), "ok");
  ASSERT_TRUE(l->in.wait_for_data("before"));

  s->kill(SIGSTOP);
  EXPECT_TRUE(log.shows("closed an inbound connection: no word from the sender within the peer "
                        "timeout (500 ms)"));

  s->kill(SIGCONT);
  ASSERT_EQ(command(*s, "send L after alo"), "ok");
  EXPECT_TRUE(l->in.wait_for_data("after"));
}

TEST_P(heartbeat_test, no_heartbeat_goes_to_a_listener_that_did_not_answer_with_one) {
  ASSERT_TRUE(Client::set_heartbeat_ms(10)); // the smallest interval: many chances to be wrong
  ASSERT_TRUE(Client::set_peer_timeout_ms(100));
  silent_listener rusty;
  auto s = running("s", "S"); // (first: it makes the tables)
  ASSERT_TRUE(s);
  db->add_catalog_row("R", rusty.addr(), "rusty");
  ASSERT_TRUE(s->send("R", "one", false)) << s->error();
  ASSERT_TRUE(rusty.read_until("one"));
  // Absence takes time to show: an idle stream for thirty heartbeat
  // intervals and three peer timeouts.
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(s->send("R", "two", false)) << s->error();
  ASSERT_TRUE(rusty.read_until("two"));

  auto hello = std::find_if(rusty.frames().begin(), rusty.frames().end(),
                            [](auto& f) { return f.topic_key == hello_topic_key; });
  ASSERT_NE(hello, rusty.frames().end());
  EXPECT_NE(hello->data.find(R"("heartbeat":10)"), std::string::npos)
    << hello->data; // offered, not answered
  for (auto& f : rusty.frames())
    EXPECT_NE(f.topic_key, heartbeat_topic_key) << "a heartbeat went to a peer without them";
  EXPECT_EQ(s->status.describe().find("no word from"), std::string::npos)
    << s->status.describe(); // and its silence is no loss
}

TEST_P(heartbeat_test, new_sends_pass_a_silent_listener_by_while_another_one_listens) {
  auto l1 = child("l1", "T");
  ASSERT_TRUE(l1);
  auto l2 = running("l2", "T"); // two listeners of one topic: send_to takes turns
  ASSERT_TRUE(l2);
  auto s = running("s", "S");
  ASSERT_TRUE(s);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(s->send("T", "warm-" + std::to_string(i))) << s->error();
  ASSERT_TRUE(seen_or_wait(*l1, [](const std::string& line) { return line.find("data=warm-") != std::string::npos; }))
    << dump(*l1);
  ASSERT_TRUE(l2->in.wait_until([](const auto& m) { return !m.empty(); }));

  l1->kill(SIGSTOP);
  ASSERT_TRUE(s->status.wait_for_text(status_kind::sender_route_lost, "no word from l1 at "))
    << s->status.describe();
  // The loss pruned l1's address from the cached topic; a refresh (as the
  // catalog watch does) reads it back from the catalog, where l1 still is.
  ASSERT_TRUE(s->client->refresh_address_topic("T")) << s->error();
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(s->send("T", "next-" + std::to_string(i))) << s->error();
  // Every one goes to the listener that answers, none waits for the frozen one.
  EXPECT_TRUE(l2->in.wait_until([](const auto& m) {
    return std::count_if(m.begin(), m.end(), [](auto& x) { return x.data.rfind("next-", 0) == 0; }) == 10;
  })) << "l2 got only some of the messages sent while l1 was frozen";

  l1->kill(SIGCONT);
  EXPECT_TRUE(holds_nothing(*s->client)) << stats_of(*s->client).dump();
  EXPECT_EQ(count_received(*l1, "T", "S", "next-"), 0u) << dump(*l1);
}

namespace {

// The connected TCP sockets of this process, by inode (fd numbers are reused).
std::map<ino_t, int> connected_tcp_sockets() {
  std::map<ino_t, int> found;
  for (int fd = 0; fd < 4096; ++fd) {
    sockaddr_storage peer_addr{};
    socklen_t len = sizeof peer_addr;
    int type = 0;
    socklen_t tlen = sizeof type;
    struct stat st{};
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM
        || getpeername(fd, reinterpret_cast<sockaddr*>(&peer_addr), &len) != 0
        || (peer_addr.ss_family != AF_INET && peer_addr.ss_family != AF_INET6)
        || fstat(fd, &st) != 0)
      continue;
    found[st.st_ino] = fd;
  }
  return found;
}

} // namespace

// Every connected TCP socket the clients opened (routes, accepted streams,
// the store's and the catalog feed's connections) has keepalive on and the
// peer timeout as TCP_USER_TIMEOUT.
TEST_P(heartbeat_test, every_connection_has_keepalive_and_the_peer_timeout_as_tcp_user_timeout) {
  db->catalog_feeds("a"); // (opens the test's own connection to the server, if it has one)
  auto before = connected_tcp_sockets(); // the test's own connections to the store
  auto a = running("a", "A");
  ASSERT_TRUE(a);
  auto b = running("b", "B");
  ASSERT_TRUE(b);
  ASSERT_TRUE(a->send("B", "ping")) << a->error();
  ASSERT_TRUE(b->send("A", "pong")) << b->error();
  ASSERT_TRUE(b->in.wait_for_data("ping"));
  ASSERT_TRUE(a->in.wait_for_data("pong"));
  if (db->kind() != "sqlite") { // the catalog feeds connect on a thread of their own
    for (const auto* name : {"a", "b"}) {
      ASSERT_EQ(db->wait_for_catalog_feeds(name, 1), 1) << name;
    }
  }

  std::size_t checked = 0;
  for (auto [inode, fd] : connected_tcp_sockets()) {
    if (before.count(inode))
      continue;
    ++checked;
    int keepalive = 0;
    unsigned int user_timeout = 0;
    socklen_t klen = sizeof keepalive, ulen = sizeof user_timeout;
    ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &klen), 0);
    ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, &ulen), 0);
    EXPECT_EQ(keepalive, 1) << "fd " << fd;
    EXPECT_EQ(user_timeout, static_cast<unsigned int>(peer_timeout_ms)) << "fd " << fd;
  }
  // a's route to b, b's to a, and the two streams they accepted; on a
  // server store also each client's store connection and catalog feed.
  EXPECT_GE(checked, db->kind() == "sqlite" ? 4u : 8u);
}

INSTANTIATE_TEST_SUITE_P(backends, heartbeat_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
