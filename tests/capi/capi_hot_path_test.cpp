// The steady-state hot path through the C ABI allocates nothing per message:
// a burst of best-effort lnr_send_to calls between two clients of one
// process, counted by the global operator new of this program (every
// thread, every library in the process that allocates through it: ours and
// CAF's), once the route is up and its buffers exist. Buffers are pooled, so
// what remains is per read of the socket or per acknowledgement (one every
// 64 frames), not per message: about 0.05 per message here, against 3.1
// before the hot path was pooled. The bound, 1 in 4, sits between. A count,
// never a time. (Not run under the sanitizers: there 0.13 to 0.28 per
// message, as their slower threads cut the burst into many more reads.)
#include <gtest/gtest.h>

#include <liner.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

void* counted(std::size_t n) {
  if (counting.load(std::memory_order_relaxed))
    allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n))
    return p;
  throw std::bad_alloc{};
}

} // namespace

void* operator new(std::size_t n) {
  return counted(n);
}
void* operator new[](std::size_t n) {
  return counted(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

struct arrivals {
  std::mutex m;
  std::condition_variable cv;
  long count = 0;

  bool wait_for(long n) {
    std::unique_lock<std::mutex> lock{m};
    return cv.wait_for(lock, std::chrono::seconds(60), [&] { return count >= n; });
  }
};

void on_receive(const char*, const char*, const char*, size_t, lnr_uData udata) {
  auto* a = static_cast<arrivals*>(udata);
  std::lock_guard<std::mutex> guard{a->m};
  ++a->count;
  a->cv.notify_all();
}

void on_nothing(const char*, const char*, const char*, size_t, lnr_uData) {}

class capi_hot_path_test : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/liner-hot-path-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    auto db = dir + "/hot.db";
    a = lnr_new_client_sqlite("hot-a", "hot-src", "127.0.0.1:0", db.c_str(), "");
    b = lnr_new_client_sqlite("hot-b", "hot-dst", "127.0.0.1:0", db.c_str(), "");
    ASSERT_TRUE(a && b) << "cannot create the clients";
    ASSERT_TRUE(lnr_run(b, on_receive, &in));
    ASSERT_TRUE(lnr_run(a, on_nothing, nullptr));
  }
  void TearDown() override {
    if (a)
      lnr_delete_client(a);
    if (b)
      lnr_delete_client(b);
    std::filesystem::remove_all(dir);
  }

  /// Sends `n` messages of `size` bytes and waits until all have arrived.
  void burst(long n, std::size_t size) {
    std::vector<char> payload(size, 'p');
    long before;
    {
      std::lock_guard<std::mutex> guard{in.m};
      before = in.count;
    }
    for (long i = 0; i < n; ++i)
      ASSERT_TRUE(lnr_send_to(a, "hot-dst", payload.data(), payload.size(), FALSE))
        << "message " << i << ": " << lnr_last_error_message(a);
    ASSERT_TRUE(in.wait_for(before + n)) << in.count - before << " of " << n << " arrived";
  }

  std::string dir;
  arrivals in;
  lnr_hClient a = nullptr;
  lnr_hClient b = nullptr;
};

} // namespace

TEST_F(capi_hot_path_test, a_steady_burst_allocates_less_than_once_per_four_messages) {
  for (std::size_t size : {std::size_t{100}, std::size_t{1024}}) {
    burst(20000, size); // warm: route up, chunks and read buffers in the pools
    const long n = 100000;
    allocations = 0;
    counting = true;
    burst(n, size);
    counting = false;
    std::cout << "[ figures  ] " << n << " messages of " << size << " B: " << allocations.load()
              << " allocations in the whole process\n";
    EXPECT_LT(allocations.load(), n / 4) << "messages of " << size << " bytes";
  }
}
