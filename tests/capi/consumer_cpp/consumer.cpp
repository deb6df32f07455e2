// A C++ consumer of the installed liner-caf: two liner::Client objects on one
// SQLite file exchange a message. Usage: consumer_cpp DB_PATH
#include <liner/client.hpp>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2)
    return 2;
  std::mutex m;
  std::condition_variable cv;
  std::string got;
  std::string error;
  auto rx = liner::Client::create_sqlite("rx-1", "rx", "127.0.0.1:0", argv[1], "", &error);
  auto tx = liner::Client::create_sqlite("tx-1", "tx", "127.0.0.1:0", argv[1], "", &error);
  if (!rx || !tx) {
    std::cerr << "create: " << error << "\n";
    return 1;
  }
  auto on_message = [&](std::string_view to, std::string_view from, const char* data,
                        std::size_t size) {
    std::lock_guard<std::mutex> guard{m};
    got = std::string(to) + " <- " + std::string(from) + ": " + std::string(data, size);
    cv.notify_all();
  };
  if (!rx->run(on_message) || !tx->run([](auto, auto, auto, auto) {}))
    return 1;
  if (!tx->send_to("rx", "hello", 5)) {
    std::cerr << "send_to: " << tx->last_error_message() << "\n";
    return 1;
  }
  std::unique_lock<std::mutex> lock{m};
  if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return !got.empty(); }))
    return 1;
  std::cout << got << "\n";
  return got == "rx <- tx: hello" ? 0 : 1;
}
