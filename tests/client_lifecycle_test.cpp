// liner::Client lifecycle: run/stop idempotency, destroying running clients,
// and no leaks over many create/run/stop/destroy cycles. The actor system is
// process-wide, started with the first client and shut down with the last
// one, so with no client alive the process is back to its own threads.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <future>
#include <iostream>
#include <thread>

#include "support/client_helpers.hpp"

using namespace liner;
using namespace liner::test;

namespace {

class client_lifecycle_test : public client_fixture {};

/// A number from /proc/self/status, e.g. "Threads" or "VmRSS" (in KiB).
long proc_status(const std::string& key) {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0)
      return std::stol(line.substr(key.size() + 1));
  return -1;
}

int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d))
      ++n;
    closedir(d);
  }
  return n;
}

/// Waits until the thread count is back to `expected`. A joined thread can
/// stay listed for a moment after pthread_join returns, so this polls the
/// kernel's count (every 10 ms) up to the usual deadline instead of reading
/// it once.
bool threads_back_to(long expected) {
  auto deadline = std::chrono::steady_clock::now() + wait_deadline;
  while (proc_status("Threads") != expected) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

/// Runs `fn` on another thread and waits for it. If it hangs, the test
/// cannot continue (the hung thread still uses the test's objects), so the
/// process ends at once with a message.
void must_finish(const std::string& what, std::function<void()> fn) {
  std::promise<void> done;
  auto finished = done.get_future();
  std::thread t{[&] {
    fn();
    done.set_value();
  }};
  if (finished.wait_for(wait_deadline) == std::future_status::ready) {
    t.join();
    return;
  }
  std::cerr << "FAILED: " << what << " did not finish within 20 s\n" << std::flush;
  std::_Exit(1);
}

} // namespace

TEST_P(client_lifecycle_test, run_twice_and_stop_twice_succeed) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = created("a-name", "a");
  ASSERT_TRUE(a);
  auto& c = *a->client;

  ASSERT_TRUE(a->run()) << a->error();
  auto bound = c.bound_listen_addr();
  EXPECT_TRUE(a->run()) << "run while running is a successful no-op";
  EXPECT_TRUE(succeeded(c));
  EXPECT_TRUE(c.is_running());
  EXPECT_EQ(c.bound_listen_addr(), bound);
  ASSERT_TRUE(a->send("b", "one"));
  ASSERT_TRUE(b->in.wait_for_data("one"));

  EXPECT_TRUE(c.stop());
  EXPECT_TRUE(c.stop()) << "stop when stopped is a successful no-op";
  EXPECT_TRUE(succeeded(c));
  EXPECT_FALSE(c.is_running());

  ASSERT_TRUE(a->run()) << "a stopped client runs again: " << a->error();
  ASSERT_TRUE(a->send("b", "two")) << a->error();
  ASSERT_TRUE(b->in.wait_for_data("two"));
  EXPECT_EQ(b->in.payloads(), (std::vector<std::string>{"one", "two"}));
}

// The last client is destroyed on a thread other than the one that created
// the clients (must_finish runs it on its own thread): CAF 0.17 would wait
// forever for the logger the creating thread pinned (thread_logger_scope).
TEST_P(client_lifecycle_test, destroying_running_clients_does_not_hang) {
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  // b is destroyed while a streams to it, then a with messages queued for
  // the vanished b.
  std::atomic<bool> stop{false};
  std::thread sender{[&] {
    for (int i = 0; !stop; ++i)
      a->send("b", numbered(i));
  }};
  EXPECT_TRUE(b->in.wait_for_count(100));
  must_finish("destroying a running receiver", [&] { b->client.reset(); });
  stop = true;
  sender.join();
  must_finish("destroying a running sender", [&] { a->client.reset(); });
}

TEST_P(client_lifecycle_test, threads_fds_and_memory_return_after_twenty_cycles) {
  const long threads_before = proc_status("Threads");
  ASSERT_GT(threads_before, 0);
  int fds_after_2 = 0;
  long rss_after_5 = 0;
  for (int cycle = 1; cycle <= 20; ++cycle) {
    {
      auto b = running("b-name", "b");
      ASSERT_TRUE(b) << "cycle " << cycle;
      auto a = running("a-name", "a");
      ASSERT_TRUE(a) << "cycle " << cycle;
      for (int i = 0; i < 500; ++i)
        ASSERT_TRUE(a->send("b", numbered(i))) << "cycle " << cycle << ": " << a->error();
      ASSERT_TRUE(a->send("b", "end"));
      ASSERT_TRUE(b->in.wait_for_data("end")) << "cycle " << cycle;
      EXPECT_EQ(b->in.size(), 501u) << "cycle " << cycle << ": every message exactly once";
      if (cycle % 2 == 1) { // odd cycles stop first, even ones destroy running clients
        EXPECT_TRUE(a->client->stop());
        EXPECT_TRUE(b->client->stop());
      }
    }
    EXPECT_TRUE(threads_back_to(threads_before))
      << "cycle " << cycle << ": " << proc_status("Threads") << " threads with no client alive, "
      << threads_before << " before the first client";
    if (cycle == 2)
      fds_after_2 = open_fds();
    if (cycle == 5)
      rss_after_5 = proc_status("VmRSS");
  }
  // Leak checks, not speed: open files and memory stop growing.
  EXPECT_EQ(open_fds(), fds_after_2) << "file descriptors after 20 cycles vs after 2";
  long rss_after_20 = proc_status("VmRSS");
#ifndef __SANITIZE_ADDRESS__
  // (AddressSanitizer keeps freed memory in quarantine on purpose, so RSS
  // says nothing about leaks in that build.)
  EXPECT_LT(rss_after_20, rss_after_5 + 20 * 1024)
    << "RSS " << rss_after_5 << " KiB after 5 cycles, " << rss_after_20 << " KiB after 20";
#endif
}

INSTANTIATE_TEST_SUITE_P(backends, client_lifecycle_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
