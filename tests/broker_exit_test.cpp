// close_mailbox_on_exit (actors/broker_exit.hpp): a broker that quits with a
// message from itself in its mailbox is destroyed, and a request reaching a
// broker that quit is answered with an error instead of waiting forever.
#include <gtest/gtest.h>

#include <caf/actor_cast.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>

#include <chrono>
#include <thread>

#include "actors/actor_runtime.hpp"
#include "actors/broker_exit.hpp"

namespace {

using namespace std::chrono_literals;
using go_atom = caf::atom_constant<caf::atom("go")>;
using echo_atom = caf::atom_constant<caf::atom("echo")>;

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

} // namespace
