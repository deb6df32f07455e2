// Discovery: how long a change to the catalog, made by SQL behind every
// client's back, takes to reach a running sender's address cache (the
// sender starts or stops sending to the address it names).
#include "../workload.hpp"
#include "../pg_schema.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <thread>

namespace bench {

namespace {

using namespace std::chrono_literals;

// What B2 saw of A's probes: each carries the steady-clock time it was sent.
struct probes {
  std::atomic<int64_t> last_sent_ns{0}; // the latest send time among probes received
  std::atomic<int64_t> since_ns{0};     // first_after_ns: the first probe sent after this...
  std::atomic<int64_t> first_after_ns{0};
  event arrived;                        // ...has arrived
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
    .count();
}

} // namespace

run_result discovery(session& s) {
  const run_spec& spec = s.spec();
  if (spec.store.kind != "postgres")
    throw unsupported("discovery needs PostgreSQL (--store postgres)");
  std::string t = s.topic("B1");
  auto& b1 = s.create("B1");
  run_or_throw(b1, ignoring(), "B1");
  int port = free_port();
  std::string b2_addr = "127.0.0.1:" + std::to_string(port);
  std::string b2_name = spec.prefix + "B2-client";
  auto& b2 = s.create("B2", b2_addr);
  auto& seen = s.hold<probes>();
  run_or_throw(b2, [&seen](std::string_view, std::string_view, const char* data, std::size_t size) {
    if (size < sizeof(int64_t))
      return;
    int64_t sent;
    std::memcpy(&sent, data, sizeof sent);
    if (sent > seen.last_sent_ns.load())
      seen.last_sent_ns = sent;
    if (sent > seen.since_ns.load() && seen.first_after_ns.load() == 0) {
      seen.first_after_ns = sent;
      seen.arrived.set();
    }
  }, "B2");
  if (!b2.subscribe(t))
    throw std::runtime_error("B2 cannot subscribe: " + b2.last_error());
  auto& a = s.create("A");
  run_or_throw(a, ignoring(), "A");

  // A sends a probe about every 100 µs, round robin over what it knows of t.
  std::atomic<int64_t> sent{0}, failed{0};
  background sender{[&](const std::atomic<bool>& stop) {
    char p[16] = {};
    paced(stop, 100us, [&](uint64_t) {
      int64_t at = now_ns();
      std::memcpy(p, &at, sizeof at);
      (a.send_to(t, p, sizeof p, false) == send_status::ok ? sent : failed)++;
    });
  }};
  auto wait_for_b2 = [&](int64_t since) {
    seen.since_ns = since; // first: a probe from before cannot count
    seen.first_after_ns = 0;
    return seen.arrived.wait_and_clear(s.idle());
  };
  run_result r;
  if (!wait_for_b2(now_ns())) {
    r.lost(1, "B2 got no probe before the first change");
    return r;
  }
  std::string row = "topic = '" + t + "' AND client_name = '" + b2_name + "'";
  std::vector<double> delete_ms, insert_ms;
  for (uint64_t k = 0; k < spec.count; ++k) {
    // Delete B2's row: the sender stops sending to it. The last probe B2
    // gets was sent this long after the commit.
    pg_exec(spec.store.location, "DELETE FROM topic_addr WHERE " + row);
    int64_t committed = now_ns();
    // Settled when no probe sent in the last 100 ms reached B2 (a condition
    // on time itself: nothing can notify about a message that never comes).
    int64_t give_up = committed + std::chrono::nanoseconds(s.idle()).count();
    while (true) {
      std::this_thread::sleep_for(20ms);
      int64_t now = now_ns();
      if (now - std::max(seen.last_sent_ns.load(), committed) > 100'000'000)
        break;
      if (now > give_up) {
        r.lost(1, "the sender still sends to the deleted address (change " + std::to_string(k + 1)
                    + ")");
        return r;
      }
    }
    delete_ms.push_back(std::max(0.0, (seen.last_sent_ns.load() - committed) / 1e6));
    // Insert it again: the first probe B2 gets after the commit was sent this long after it.
    pg_exec(spec.store.location, "INSERT INTO topic_addr (topic, addr, client_name) VALUES ('" + t
                                    + "', '" + b2_addr + "', '" + b2_name + "')");
    committed = now_ns();
    if (!wait_for_b2(committed)) {
      r.lost(1, "the sender never used the inserted address (change " + std::to_string(k + 1) + ")");
      return r;
    }
    insert_ms.push_back((seen.first_after_ns.load() - committed) / 1e6);
  }
  median_and_max(r, "delete", delete_ms);
  median_and_max(r, "insert", insert_ms);
  r.count("changes", static_cast<int64_t>(2 * spec.count));
  r.count("sent", sent);
  r.count("send_failures", failed);
  return r;
}

} // namespace bench
