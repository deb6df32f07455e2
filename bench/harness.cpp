#include "harness.hpp"

#include "runtime/net_address.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bench {

namespace {
constexpr uint64_t seq_mask = (uint64_t{1} << 48) - 1;
constexpr unsigned char small_measured = 0xFF; // first byte of a measured payload under 8 bytes
} // namespace

// -- payloads ---------------------------------------------------------------------

payload::payload(std::size_t size) : bytes_(size, 'x') {}

void payload::stamp(unsigned sender, uint64_t seq) {
  if (payload_has_seq(bytes_.size())) {
    uint64_t v = (uint64_t{sender} << 48) | (seq & seq_mask);
    std::memcpy(bytes_.data(), &v, sizeof v);
  } else if (!bytes_.empty()) {
    // Too small for a number: the first byte says "measured", or which
    // sender a warm-up message comes from.
    bytes_[0] = static_cast<char>(seq == 0 ? sender : small_measured);
  }
}

// -- waiting ------------------------------------------------------------------------

void board::notify() {
  { std::lock_guard<std::mutex> g{m_}; }
  cv_.notify_all();
}

bool board::wait_until(const std::function<bool()>& pred, clock::time_point deadline) {
  std::unique_lock<std::mutex> g{m_};
  return cv_.wait_until(g, deadline, pred);
}

bool wait_progress(board& b, const std::function<bool()>& done,
                   const std::function<uint64_t()>& progress, clock::duration idle) {
  using namespace std::chrono_literals;
  uint64_t last = progress();
  auto changed = clock::now();
  for (;;) {
    // Wakes for done() at once; looks at progress twice a second.
    if (b.wait_until(done, clock::now() + std::min<clock::duration>(idle, 500ms)))
      return true;
    uint64_t p = progress();
    auto now = clock::now();
    if (p != last) {
      last = p;
      changed = now;
    } else if (now - changed >= idle) {
      return done();
    }
  }
}

bool settle(board& b, const std::function<void()>& sweep, const std::function<bool()>& settled,
            clock::duration interval, clock::duration limit) {
  auto end = clock::now() + limit;
  while (!settled()) {
    if (clock::now() >= end)
      return false;
    sweep();
    b.wait_until(settled, std::min(end, clock::now() + interval));
  }
  return true;
}

// -- counting receivers --------------------------------------------------------------------

counter::counter(board& b, unsigned senders, std::size_t size)
  : board_(b), senders_(senders), ordered_(payload_has_seq(size)),
    warm_(new std::atomic<bool>[senders]), seen_(senders), max_seq_(senders, 0) {
  for (unsigned i = 0; i < senders; ++i)
    warm_[i].store(false);
}

void counter::expect(uint64_t target) {
  target_.store(target, std::memory_order_release);
  if (fresh() >= target && !reached_.exchange(true)) {
    reached_at_ = clock::now();
    board_.notify();
  }
}

void counter::on_message(const char* data, std::size_t size) {
  unsigned sender = 0;
  uint64_t seq = 0;
  if (payload_has_seq(size)) {
    uint64_t v;
    std::memcpy(&v, data, sizeof v);
    sender = static_cast<unsigned>(v >> 48);
    seq = v & seq_mask;
  } else if (size > 0) {
    auto first = static_cast<unsigned char>(data[0]);
    if (first == small_measured)
      seq = 1;
    else
      sender = first;
  }
  if (seq == 0) { // warm-up
    if (sender < senders_ && !warm_[sender].exchange(true, std::memory_order_acq_rel)) {
      warm_senders_.fetch_add(1, std::memory_order_acq_rel);
      board_.notify();
    }
    return;
  }
  if (ordered_ && sender < senders_) {
    auto& seen = seen_[sender];
    if (seq >= seen.size())
      seen.resize(std::max<std::size_t>(seq + 1, seen.size() * 2));
    if (seen[seq]) {
      duplicates_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    seen[seq] = true;
    if (seq < max_seq_[sender])
      out_of_order_.fetch_add(1, std::memory_order_relaxed);
    else
      max_seq_[sender] = seq;
  }
  uint64_t n = fresh_.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (n == target_.load(std::memory_order_acquire)) {
    reached_at_ = clock::now();
    reached_.store(true, std::memory_order_release);
    board_.notify();
  }
}

uint64_t total_fresh(const counters& cs) {
  uint64_t n = 0;
  for (auto& c : cs)
    n += c->fresh();
  return n;
}

bool all_reached(const counters& cs) {
  return std::all_of(cs.begin(), cs.end(), [](auto& c) { return c->reached(); });
}

bool all_warm_from(const counters& cs, unsigned sender) {
  return std::all_of(cs.begin(), cs.end(), [&](auto& c) { return c->warm_from(sender); });
}

clock::time_point latest_reached(const counters& cs) {
  clock::time_point t{};
  for (auto& c : cs)
    t = std::max(t, c->reached_at());
  return t;
}

void event::set() {
  {
    std::lock_guard<std::mutex> g{m_};
    set_ = true;
  }
  cv_.notify_one();
}

bool event::wait_and_clear(clock::duration limit) {
  std::unique_lock<std::mutex> g{m_};
  bool ok = cv_.wait_for(g, limit, [&] { return set_; });
  set_ = false;
  return ok;
}

void gate::open() {
  {
    std::lock_guard<std::mutex> g{m_};
    open_ = true;
  }
  cv_.notify_all();
}

void gate::wait() {
  std::unique_lock<std::mutex> g{m_};
  cv_.wait(g, [&] { return open_; });
}

background::background(std::function<void(const std::atomic<bool>&)> fn)
  : t_([this, fn = std::move(fn)] { fn(stop_); }) {}

background::~background() {
  stop_ = true;
  t_.join();
}

void paced(const std::atomic<bool>& stop, clock::duration period,
           const std::function<void(uint64_t)>& fn) {
  auto next = clock::now();
  for (uint64_t i = 1; !stop.load(std::memory_order_relaxed); ++i) {
    fn(i);
    next = std::max(next + period, clock::now() - period);
    std::this_thread::sleep_until(next);
  }
}

bool poll_until(const std::function<bool()>& pred, clock::duration interval, clock::duration limit) {
  auto end = clock::now() + limit;
  while (!pred()) {
    if (clock::now() >= end)
      return false;
    std::this_thread::sleep_for(interval);
  }
  return true;
}

void run_threads(unsigned n, const std::function<void(unsigned)>& fn,
                 const std::function<void()>& started) {
  gate go;
  std::mutex m;
  std::exception_ptr first;
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (unsigned i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      go.wait();
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> g{m};
        if (!first)
          first = std::current_exception();
      }
    });
  started();
  go.open();
  for (auto& t : threads)
    t.join();
  if (first)
    std::rethrow_exception(first);
}

// -- figures -------------------------------------------------------------------------

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

long rss_kib() {
  std::ifstream statm{"/proc/self/statm"};
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

unsigned free_port() {
  return liner::net::free_loopback_port();
}

} // namespace bench
