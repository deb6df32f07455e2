// actors/broker_exit.hpp: a broker that quits with a message from itself in
// its mailbox is destroyed, a request reaching a broker that quit is answered
// with an error instead of waiting forever, and a stream a broker ends is
// released (its socket closed), whenever the broker ends it.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/actor_cast.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>

#include <chrono>
#include <cstring>
#include <thread>

#include "actors/actor_runtime.hpp"
#include "actors/broker_exit.hpp"
#include "runtime/net_address.hpp"

namespace {

using namespace std::chrono_literals;
using go_atom = caf::atom_constant<caf::atom("go")>;
using echo_atom = caf::atom_constant<caf::atom("echo")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using end_atom = caf::atom_constant<caf::atom("end")>;
using halt_atom = caf::atom_constant<caf::atom("halt")>;
using bounce_atom = caf::atom_constant<caf::atom("bounce")>;
using rearm_atom = caf::atom_constant<caf::atom("rearm")>;
using data_atom = caf::atom_constant<caf::atom("data")>;

// Quits on `go`, with a message to itself still in its mailbox (as when a
// request's timeout fires just as a route quits).
caf::behavior quitting_broker(caf::io::broker* self) {
  liner::close_mailbox_on_exit(self);
  return {
    [=](go_atom) {
      self->send(self, echo_atom::value);
      self->quit();
    },
    [=](echo_atom) {},
  };
}

// True once nothing holds the actor any more (waits up to a minute).
bool destroyed(const caf::actor_addr& addr) {
  auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until) {
    if (!caf::actor_cast<caf::strong_actor_ptr>(addr))
      return true;
    std::this_thread::yield();
  }
  return false;
}

TEST(broker_exit_test, broker_quitting_with_a_message_from_itself_is_destroyed) {
  auto runtime = liner::actor_runtime::acquire();
  caf::actor_addr addr;
  {
    liner::user_scoped_actor self{runtime->system()};
    auto broker = runtime->system().middleman().spawn_broker(quitting_broker);
    addr = broker.address();
    self->send(broker, go_atom::value);
    self->wait_for(broker);
  }
  EXPECT_TRUE(destroyed(addr)) << "the broker is still alive after it quit";
}

TEST(broker_exit_test, request_to_a_broker_that_quit_gets_an_error) {
  auto runtime = liner::actor_runtime::acquire();
  liner::user_scoped_actor self{runtime->system()};
  auto broker = runtime->system().middleman().spawn_broker(quitting_broker);
  self->send(broker, go_atom::value);
  self->wait_for(broker);
  caf::error answer;
  // Without the fix nothing answers: the request waits for its timeout.
  self->request(broker, 60s, echo_atom::value).receive([] {}, [&](caf::error& e) { answer = e; });
  EXPECT_TRUE(answer);
  EXPECT_NE(answer, caf::sec::request_timeout) << "nobody answered the request";
}

// Takes a socket over as a stream and writes "hello" to it, ending it at
// once with end_stream_now if `end_at_once`. Then: `halt` halts it, `end`
// ends it, `bounce` halts and triggers it in one handler (as a listener whose
// delivery caught up at once) and writes "paused", `rearm` calls rearm_reads.
// What it reads goes to `watcher`.
caf::behavior test_broker(caf::io::broker* self, caf::actor watcher, bool end_at_once) {
  liner::close_mailbox_on_exit(self);
  struct stream {
    caf::io::connection_handle hdl;
    int fd = -1;
    bool halted = false;
  };
  auto s = std::make_shared<stream>();
  auto say = [=](const char* text) {
    self->write(s->hdl, std::strlen(text), text);
    self->flush(s->hdl);
  };
  return {
    [=](open_atom, int socket) {
      s->fd = socket;
      s->hdl = self->add_scribe(socket);
      self->configure_read(s->hdl, caf::io::receive_policy::at_most(1024));
      say("hello");
      if (end_at_once)
        liner::end_stream_now(self, s->hdl, s->fd, SHUT_RDWR);
    },
    [=](halt_atom) {
      self->halt(s->hdl);
      s->halted = true;
    },
    [=](end_atom) { liner::end_stream_now(self, s->hdl, s->fd, SHUT_RDWR, s->halted); },
    [=](bounce_atom) {
      self->halt(s->hdl);
      self->trigger(s->hdl);
      say("paused");
    },
    [=](rearm_atom) { liner::rearm_reads(self, s->hdl); },
    [=](const caf::io::new_data_msg& m) {
      self->send(watcher, data_atom::value, std::string(m.buf.begin(), m.buf.end()));
    },
    [=](const caf::io::connection_closed_msg&) {},
  };
}

// Reads from `fd` until `text` came (false on end-of-file or error).
bool read_text(int fd, const std::string& text) {
  std::string got;
  char buf[64];
  while (got.size() < text.size()) {
    auto n = ::read(fd, buf, std::min(sizeof buf, text.size() - got.size()));
    if (n <= 0)
      return false;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got == text;
}

// The test's own actor, for test_broker to report to.
caf::actor watcher_of(liner::user_scoped_actor& self) {
  return caf::actor_cast<caf::actor>(self->ctrl());
}

// A connected pair of TCP sockets on loopback.
std::pair<int, int> tcp_pair() {
  std::string error;
  int listening = liner::net::listen_on(*liner::net::resolve("127.0.0.1:0"), error);
  EXPECT_GE(listening, 0) << error;
  auto at = liner::net::local_endpoint(listening);
  int ours = liner::net::connect_with_timeout(at->to_string(), 5s, error);
  EXPECT_GE(ours, 0) << error;
  int theirs = ::accept(listening, nullptr, nullptr);
  EXPECT_GE(theirs, 0);
  ::close(listening);
  return {ours, theirs};
}

// True once `fd` no longer names the socket with inode `ino` (waits up to
// 20 s): the process let go of it.
bool released(int fd, ino_t ino) {
  auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    struct stat now {};
    if (::fstat(fd, &now) != 0 || now.st_ino != ino)
      return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

struct ending {
  const char* name;
  bool at_once; // in the handler that opened the stream
  bool halt;
};

void PrintTo(const ending& e, std::ostream* os) {
  *os << e.name;
}

class stream_end_test : public ::testing::TestWithParam<ending> {};

// CAF 0.17 applies a round's socket event changes together: a scribe closed
// in the round that registered it was never told it left the loop, kept a
// reference to itself, and its socket stayed open (LeakSanitizer saw routes
// that dropped a stream in the mailbox run that opened it).
TEST_P(stream_end_test, releases_the_socket) {
  auto runtime = liner::actor_runtime::acquire();
  auto [ours, theirs] = tcp_pair();
  ASSERT_GE(ours, 0);
  ASSERT_GE(theirs, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(ours, &st), 0);
  {
    liner::user_scoped_actor self{runtime->system()};
    auto broker = runtime->system().middleman().spawn_broker(test_broker, watcher_of(self),
                                                             GetParam().at_once);
    self->send(broker, open_atom::value, ours);
    if (!GetParam().at_once) {
      // "hello" was written: the round that opened the stream is over.
      ASSERT_TRUE(read_text(theirs, "hello"));
      if (GetParam().halt)
        self->send(broker, halt_atom::value);
      self->send(broker, end_atom::value);
    }
    char buf[64];
    ssize_t n = 0;
    while ((n = ::read(theirs, buf, sizeof buf)) > 0) {
    }
    EXPECT_EQ(n, 0) << "the peer sees the stream end";
    EXPECT_TRUE(released(ours, st.st_ino)) << "the broker still holds the socket it ended";
    self->send_exit(broker, caf::exit_reason::user_shutdown);
    self->wait_for(broker);
  }
  ::close(theirs);
}

INSTANTIATE_TEST_SUITE_P(endings, stream_end_test,
                         ::testing::Values(ending{"in_the_opening_handler", true, false},
                                           ending{"later", false, false},
                                           ending{"later_while_halted", false, true}),
                         [](const auto& info) { return std::string(info.param.name); });

// CAF 0.17 loses the trigger of a halt in the same round: nothing reads the
// stream until rearm_reads (the listener calls it every tick).
TEST(broker_exit_test, a_stream_resumed_in_the_round_it_was_halted_reads_after_rearm_reads) {
  auto runtime = liner::actor_runtime::acquire();
  auto [ours, theirs] = tcp_pair();
  ASSERT_GE(ours, 0);
  ASSERT_GE(theirs, 0);
  {
    liner::user_scoped_actor self{runtime->system()};
    auto broker =
      runtime->system().middleman().spawn_broker(test_broker, watcher_of(self), false);
    self->send(broker, open_atom::value, ours);
    ASSERT_TRUE(read_text(theirs, "hello"));
    self->send(broker, bounce_atom::value);
    ASSERT_TRUE(read_text(theirs, "paused")); // that round's event changes are applied
    ASSERT_EQ(::write(theirs, "x", 1), 1);
    self->send(broker, rearm_atom::value);
    std::string got;
    self->receive([&](data_atom, const std::string& data) { got = data; },
                  caf::after(std::chrono::seconds(20)) >> [] {});
    EXPECT_EQ(got, "x") << "the stream is not read";
    self->send_exit(broker, caf::exit_reason::user_shutdown);
    self->wait_for(broker);
  }
  ::close(theirs);
}

} // namespace
