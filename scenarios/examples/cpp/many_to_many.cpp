// many_to_many: alice, bob and carol each send a message to the two others.
//
// Every peer sends with send_to to the others' topics, and receives on its
// own. All peers are clients in this one process, on one SQLite file:
// argv[1], or liner-example.db in the current directory (deleted first, for
// a clean run). Exits 0 if all six messages arrived, 1 if not.
#include <liner/client.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "example_helpers.hpp"

int main(int argc, char** argv) {
  const std::string db = argc > 1 ? argv[1] : "liner-example.db";
  example::fresh_db(db);
  const std::vector<std::string> names = {"alice", "bob", "carol"};
  const int expected = int(names.size() * (names.size() - 1));
  example::Counter received; // declared before the clients: it outlives them

  std::vector<std::unique_ptr<liner::Client>> peers;
  for (const std::string& name : names) {
    std::string error;
    // unique name, own topic, listen address (port 0: any free port), store
    auto peer = liner::Client::create_sqlite(name, name, "127.0.0.1:0", db, "", &error);
    if (!peer) {
      std::fprintf(stderr, "could not create %s: %s\n", name.c_str(), error.c_str());
      return 1;
    }
    // Runs on this peer's own thread, once per message; `from` is the
    // sender's topic.
    bool ok = peer->run([&received, name](std::string_view to, std::string_view from,
                                          const char* data, std::size_t size) {
      std::printf("%s got \"%.*s\" from %.*s (sent to topic %.*s)\n", name.c_str(), int(size),
                  data, int(from.size()), from.data(), int(to.size()), to.data());
      received.add();
    });
    if (!ok) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), peer->last_error_message().c_str());
      return 1;
    }
    peers.push_back(std::move(peer));
  }

  // Everyone is running (so in the store): each one greets the two others.
  for (auto& sender : peers) {
    for (auto& receiver : peers) {
      if (receiver == sender)
        continue; // sending to your own topic is refused
      std::string text = "hi " + receiver->topic() + ", this is " + sender->unique_name();
      if (!sender->send_to(receiver->topic(), text.data(), text.size(), /*at_least_once=*/true))
        std::fprintf(stderr, "%s: send_to failed: %s\n", sender->unique_name().c_str(),
                     sender->last_error_message().c_str());
    }
  }

  int got = received.wait_for(expected, std::chrono::seconds(30));
  std::printf("%s: %d of %d messages arrived\n", got == expected ? "ok" : "FAILED", got,
              expected);
  // The clients are destroyed here, at the end of main: each stops first.
  return got == expected ? 0 : 1;
}
