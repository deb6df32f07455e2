// Opens a store and allocates keys, as a process starting on a fresh database
// does. store_concurrency_test starts many of these at the same moment.
//
//   store_first_use sqlite|postgres|redis LOCATION UNIQUE_NAME START_AT_EPOCH_MS
//
// Prints "topic NAME KEY" per shared topic and "ck KEY" for its own
// connection key; exits 1 with the error on stderr on failure.
#include <chrono>
#include <iostream>
#include <thread>

#include "stores/redis_store.hpp"
#include "stores/store.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: store_first_use sqlite|postgres|redis LOCATION NAME START_AT_EPOCH_MS\n";
    return 2;
  }
  std::string kind = argv[1], location = argv[2], name = argv[3];
  std::chrono::system_clock::time_point start{std::chrono::milliseconds(std::stoll(argv[4]))};
  std::this_thread::sleep_until(start); // line the processes up on one moment
  try {
    auto store = kind == "sqlite"     ? liner::open_sqlite_store(location, name)
                 : kind == "postgres" ? liner::open_postgres_store(location, name)
                                      : liner::open_redis_store(location, name);
    store->set_source_topic("shared-0");
    store->set_source_localhost("127.0.0.1:" + name);
    store->regist_topic("shared-0");
    for (int i = 0; i < 5; ++i) {
      auto topic = "shared-" + std::to_string(i);
      std::cout << "topic " << topic << " " << store->get_topic_key(topic) << "\n";
    }
    std::cout << "ck " << store->get_connection_key_for_sender("listener") << "\n";
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
