// one_to_many: a publisher sends each headline to every reader of "news".
//
// Three readers subscribe to the topic "news" (each also has a topic of its
// own); the publisher calls send_all("news", ...), which sends one copy to
// every address of the topic. All peers are clients in this one process, on
// one SQLite file: argv[1], or liner-example.db in the current directory
// (deleted first, for a clean run). Exits 0 if every reader got every
// headline, 1 if not.
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
  const std::vector<std::string> names = {"reader-1", "reader-2", "reader-3"};
  const int headlines = 2;
  const int expected = int(names.size()) * headlines;
  example::Counter received; // declared before the clients: it outlives them

  std::vector<std::unique_ptr<liner::Client>> readers;
  for (const std::string& name : names) {
    std::string error;
    // unique name, own topic, listen address (port 0: any free port), store
    auto reader = liner::Client::create_sqlite(name, name, "127.0.0.1:0", db, "", &error);
    if (!reader) {
      std::fprintf(stderr, "could not create %s: %s\n", name.c_str(), error.c_str());
      return 1;
    }
    // Runs on this reader's own thread, once per message; `to` is "news".
    bool ok = reader->run([&received, name](std::string_view to, std::string_view from,
                                            const char* data, std::size_t size) {
      std::printf("%s got \"%.*s\" from %.*s (sent to topic %.*s)\n", name.c_str(), int(size),
                  data, int(from.size()), from.data(), int(to.size()), to.data());
      received.add();
    });
    // Subscribing adds the reader's address to the topic "news".
    if (!ok || !reader->subscribe("news")) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), reader->last_error_message().c_str());
      return 1;
    }
    readers.push_back(std::move(reader));
  }

  std::string error;
  auto publisher =
    liner::Client::create_sqlite("publisher", "publisher", "127.0.0.1:0", db, "", &error);
  if (!publisher) {
    std::fprintf(stderr, "could not create the publisher: %s\n", error.c_str());
    return 1;
  }
  // The publisher only sends, but a running client needs a receive callback.
  if (!publisher->run([](std::string_view, std::string_view, const char*, std::size_t) {})) {
    std::fprintf(stderr, "publisher: %s\n", publisher->last_error_message().c_str());
    return 1;
  }

  for (int h = 1; h <= headlines; ++h) {
    std::string text = "headline " + std::to_string(h);
    // one copy for each address of "news"; at-least-once delivery
    if (!publisher->send_all("news", text.data(), text.size(), /*at_least_once=*/true))
      std::fprintf(stderr, "send_all failed: %s\n", publisher->last_error_message().c_str());
  }

  int got = received.wait_for(expected, std::chrono::seconds(30));
  std::printf("%s: the readers got %d of %d copies\n", got == expected ? "ok" : "FAILED", got,
              expected);
  // The clients are destroyed here, at the end of main: each stops first.
  return got == expected ? 0 : 1;
}
