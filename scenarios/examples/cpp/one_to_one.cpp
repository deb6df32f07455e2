// one_to_one: alice sends three messages to bob's topic.
//
// Both peers are clients in this one process, on one SQLite file: argv[1],
// or liner-example.db in the current directory (deleted first, for a clean
// run). bob's receive callback prints each message; main() waits until all
// three arrived. Exits 0 if they did, 1 if not.
#include <liner/client.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "example_helpers.hpp"

int main(int argc, char** argv) {
  const std::string db = argc > 1 ? argv[1] : "liner-example.db";
  example::fresh_db(db);
  const int messages = 3;
  example::Counter received; // declared before the clients: it outlives them

  // unique name, own topic, listen address (port 0: any free port), store
  std::string error;
  auto bob = liner::Client::create_sqlite("bob", "bob", "127.0.0.1:0", db, "", &error);
  auto alice = liner::Client::create_sqlite("alice", "alice", "127.0.0.1:0", db, "", &error);
  if (!bob || !alice) {
    std::fprintf(stderr, "could not create the clients: %s\n", error.c_str());
    return 1;
  }

  // bob's receive callback runs on bob's own thread, once per message. `to`
  // is the topic the message was sent to, `from` the sender's topic; the
  // views and `data` are valid during the call only.
  bool ok = bob->run([&](std::string_view to, std::string_view from, const char* data,
                         std::size_t size) {
    std::printf("bob got \"%.*s\" from %.*s (sent to topic %.*s)\n", int(size), data,
                int(from.size()), from.data(), int(to.size()), to.data());
    received.add();
  });
  // alice only sends, but a running client needs a receive callback too.
  ok = ok && alice->run([](std::string_view, std::string_view from, const char* data,
                           std::size_t size) {
    std::printf("alice got \"%.*s\" from %.*s\n", int(size), data, int(from.size()), from.data());
  });
  if (!ok) {
    std::fprintf(stderr, "run failed: %s%s\n", bob->last_error_message().c_str(),
                 alice->last_error_message().c_str());
    return 1;
  }

  for (int i = 1; i <= messages; ++i) {
    std::string text = "hello " + std::to_string(i);
    // at_least_once = true: kept until bob acknowledges it
    if (!alice->send_to("bob", text.data(), text.size(), /*at_least_once=*/true))
      std::fprintf(stderr, "send_to failed: %s\n", alice->last_error_message().c_str());
  }

  int got = received.wait_for(messages, std::chrono::seconds(30));
  std::printf("%s: bob got %d of %d messages\n", got == messages ? "ok" : "FAILED", got,
              messages);
  // The clients are destroyed here, at the end of main: each stops first.
  return got == messages ? 0 : 1;
}
