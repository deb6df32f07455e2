// liner-bench: throughput figures (not a test; nothing here passes or fails
// on speed).
//
//   liner-bench pair --count N --size S [--alo] [--cycles C] [--store sqlite|URL]
//
// Two clients in this process; client one sends N messages of S bytes to
// client two, C times. Prints messages per second per cycle, the median,
// and any loss (messages sent but not received within 60 s).
#include <liner/client.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>
#include <unistd.h>

namespace {

struct options {
  long count = 1000000;
  std::size_t size = 100;
  bool alo = false;
  int cycles = 5;
  std::string store = "sqlite";
};

int usage() {
  std::fprintf(stderr, "usage: liner-bench pair --count N --size S [--alo] [--cycles C] "
                       "[--store sqlite|POSTGRES_URL]\n");
  return 2;
}

// Counts arrivals; the sender waits on it between cycles.
struct counter {
  std::mutex m;
  std::condition_variable cv;
  long received = 0;
  long target = 0;
  long out_of_order = 0;
  uint64_t last_seq = 0;

  void on_message(const char* data, std::size_t size) {
    uint64_t seq = 0;
    if (size >= sizeof seq)
      std::memcpy(&seq, data, sizeof seq);
    std::lock_guard<std::mutex> g{m};
    if (seq != last_seq + 1)
      ++out_of_order;
    last_seq = seq;
    if (++received == target)
      cv.notify_all();
  }

  void expect(long n) {
    std::lock_guard<std::mutex> g{m};
    target = n;
  }

  bool wait() {
    std::unique_lock<std::mutex> g{m};
    return cv.wait_for(g, std::chrono::seconds(60), [&] { return received >= target; });
  }
};

int run_pair(const options& o) {
  std::string dir;
  std::unique_ptr<liner::Client> a, b;
  std::string err;
  if (o.store == "sqlite") {
    char tmpl[] = "/tmp/liner-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    auto path = dir + "/bench.db";
    a = liner::Client::create_sqlite("bench-a", "bench-src", "127.0.0.1:0", path, "", &err);
    b = liner::Client::create_sqlite("bench-b", "bench-dst", "127.0.0.1:0", path, "", &err);
  } else {
    a = liner::Client::create_postgres("bench-a", "bench-src", "127.0.0.1:0", o.store, &err);
    b = liner::Client::create_postgres("bench-b", "bench-dst", "127.0.0.1:0", o.store, &err);
  }
  if (!a || !b) {
    std::fprintf(stderr, "cannot create clients: %s\n", err.c_str());
    return 1;
  }
  counter c;
  a->run([](std::string_view, std::string_view, const char*, std::size_t) {});
  b->run([&](std::string_view, std::string_view, const char* d, std::size_t s) { c.on_message(d, s); });
  std::vector<char> payload(std::max<std::size_t>(o.size, sizeof(uint64_t)), 'x');
  std::printf("pair: %ld messages of %zu bytes, %s, store %s, %d cycles\n", o.count, o.size,
              o.alo ? "at-least-once" : "best-effort", o.store == "sqlite" ? "sqlite" : "postgres",
              o.cycles);
  std::vector<double> rates;
  uint64_t seq = 0;
  long lost = 0;
  for (int cycle = 0; cycle < o.cycles; ++cycle) {
    long target = (cycle + 1) * o.count;
    c.expect(target);
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < o.count; ++i) {
      ++seq;
      std::memcpy(payload.data(), &seq, sizeof seq);
      while (!a->send_to("bench-dst", payload.data(), o.size, o.alo)) {
        if (a->last_error() != liner::error_code::busy) {
          std::fprintf(stderr, "send_to failed: %s\n", a->last_error_message().c_str());
          return 1;
        }
      }
    }
    bool all = c.wait();
    auto t1 = std::chrono::steady_clock::now();
    double secs = std::chrono::duration<double>(t1 - t0).count();
    long got;
    {
      std::lock_guard<std::mutex> g{c.m};
      got = c.received;
    }
    if (!all)
      lost = target - got;
    rates.push_back(o.count / secs);
    std::printf("  cycle %d: %.0f msg/s (%.1f MB/s)\n", cycle + 1, rates.back(),
                rates.back() * o.size / 1e6);
    std::fflush(stdout);
    if (!all)
      break;
  }
  std::sort(rates.begin(), rates.end());
  double median = rates[rates.size() / 2];
  std::printf("median: %.0f msg/s, lost: %ld, out of order: %ld\n", median, lost, c.out_of_order);
  a.reset();
  b.reset();
  if (!dir.empty())
    std::filesystem::remove_all(dir);
  return lost == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "pair") != 0)
    return usage();
  options o;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--count")
      o.count = std::stol(next());
    else if (a == "--size")
      o.size = std::stoul(next());
    else if (a == "--alo")
      o.alo = true;
    else if (a == "--cycles")
      o.cycles = std::stoi(next());
    else if (a == "--store")
      o.store = next();
    else
      return usage();
  }
  if (o.count <= 0 || o.size == 0 || o.cycles <= 0)
    return usage();
  return run_pair(o);
}
