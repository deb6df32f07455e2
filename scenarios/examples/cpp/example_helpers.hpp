// example_helpers.hpp: the two chores every C++ example shares.
//
// - example::Counter: the receive callbacks run on the clients' own threads;
//   they count each message here, and main() waits (on a condition variable,
//   with a deadline) until all the messages it expects have arrived.
// - example::fresh_db: delete the SQLite file (and its -wal/-shm companions)
//   so that every run starts from an empty store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>

namespace example {

class Counter {
public:
  /// One more message arrived (called from a receive callback, any thread).
  void add() {
    std::lock_guard<std::mutex> lock{mutex_};
    ++count_;
    changed_.notify_all();
  }

  /// Waits until `expected` messages were counted, or `limit` has passed.
  /// Returns how many were counted.
  int wait_for(int expected, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock{mutex_};
    changed_.wait_for(lock, limit, [&] { return count_ >= expected; });
    return count_;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

/// Deletes the SQLite file `path` and the files SQLite keeps next to it.
inline void fresh_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ignored; // a missing file is fine
    std::filesystem::remove(path + suffix, ignored);
  }
}

} // namespace example
