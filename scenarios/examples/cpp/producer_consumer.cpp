// producer_consumer: two producers hand out jobs to two consumers.
//
// Both consumers subscribe to the topic "jobs" (each also has a topic of its
// own). Each producer, on its own topic, sends its jobs with
// send_to("jobs", ...): every job goes to ONE address of "jobs", taking
// turns (round robin), so the consumers share the work. All peers are
// clients in this one process, on one SQLite file: argv[1], or
// liner-example.db in the current directory (deleted first, for a clean
// run). Exits 0 if every job arrived and each consumer did half of them, 1
// if not.
#include <liner/client.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "example_helpers.hpp"

int main(int argc, char** argv) {
  const std::string db = argc > 1 ? argv[1] : "liner-example.db";
  example::fresh_db(db);
  const std::array<std::string, 2> consumer_names = {"consumer-1", "consumer-2"};
  const std::vector<std::string> producer_names = {"producer-1", "producer-2"};
  const int jobs_each = 4; // per producer
  const int expected = int(producer_names.size()) * jobs_each;
  // Declared before the clients, so they outlive them.
  example::Counter received;
  std::array<std::atomic<int>, 2> jobs_done{}; // per consumer, counted on its thread

  std::vector<std::unique_ptr<liner::Client>> consumers;
  for (std::size_t i = 0; i < consumer_names.size(); ++i) {
    const std::string& name = consumer_names[i];
    std::string error;
    // unique name, own topic, listen address (port 0: any free port), store
    auto consumer = liner::Client::create_sqlite(name, name, "127.0.0.1:0", db, "", &error);
    if (!consumer) {
      std::fprintf(stderr, "could not create %s: %s\n", name.c_str(), error.c_str());
      return 1;
    }
    // Runs on this consumer's own thread, once per job; `to` is "jobs".
    std::atomic<int>& done_here = jobs_done[i];
    bool ok = consumer->run([&received, &done_here, name](std::string_view to,
                                                         std::string_view from,
                                                         const char* data, std::size_t size) {
      std::printf("%s got \"%.*s\" from %.*s (sent to topic %.*s)\n", name.c_str(), int(size),
                  data, int(from.size()), from.data(), int(to.size()), to.data());
      ++done_here;
      received.add();
    });
    // Subscribing adds the consumer's address to the topic "jobs".
    if (!ok || !consumer->subscribe("jobs")) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), consumer->last_error_message().c_str());
      return 1;
    }
    consumers.push_back(std::move(consumer));
  }

  std::vector<std::unique_ptr<liner::Client>> producers;
  for (const std::string& name : producer_names) {
    std::string error;
    auto producer = liner::Client::create_sqlite(name, name, "127.0.0.1:0", db, "", &error);
    if (!producer) {
      std::fprintf(stderr, "could not create %s: %s\n", name.c_str(), error.c_str());
      return 1;
    }
    // Producers only send, but a running client needs a receive callback.
    if (!producer->run([](std::string_view, std::string_view, const char*, std::size_t) {})) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), producer->last_error_message().c_str());
      return 1;
    }
    producers.push_back(std::move(producer));
  }

  for (auto& producer : producers) {
    for (int j = 1; j <= jobs_each; ++j) {
      std::string text = "job " + std::to_string(j) + " of " + producer->unique_name();
      // one address of "jobs", the next one each time; at-least-once
      if (!producer->send_to("jobs", text.data(), text.size(), /*at_least_once=*/true))
        std::fprintf(stderr, "%s: send_to failed: %s\n", producer->unique_name().c_str(),
                     producer->last_error_message().c_str());
    }
  }

  int got = received.wait_for(expected, std::chrono::seconds(30));
  bool fair = true;
  for (std::size_t i = 0; i < consumer_names.size(); ++i) {
    int done_here = jobs_done[i];
    std::printf("%s did %d jobs\n", consumer_names[i].c_str(), done_here);
    fair = fair && done_here == expected / int(consumer_names.size()); // round robin: half each
  }
  bool ok = got == expected && fair;
  std::printf("%s: %d of %d jobs done%s\n", ok ? "ok" : "FAILED", got, expected,
              fair ? ", shared evenly" : ", NOT shared evenly");
  // The clients are destroyed here, at the end of main: each stops first.
  return ok ? 0 : 1;
}
