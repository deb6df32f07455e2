// Scale over liner: many peers all to all on one store (mesh), a large
// offline queue drained when its listener comes back (drain).
#include "../workload.hpp"

#include <algorithm>

namespace bench {

using namespace std::chrono_literals;

run_result mesh(session& s) {
  const run_spec& spec = s.spec();
  unsigned n = spec.peers;
  auto& b = s.hold<board>();
  auto& got = s.hold<counters>();
  std::vector<endpoint*> peers;
  std::vector<std::string> topics;

  long rss_before = rss_kib();
  auto t0 = clock::now();
  for (unsigned i = 0; i < n; ++i) {
    std::string role = "peer-" + std::to_string(i);
    got.push_back(std::make_unique<counter>(b, n, spec.size));
    peers.push_back(&s.create(role));
    topics.push_back(s.topic(role));
  }
  for (unsigned i = 0; i < n; ++i)
    run_or_throw(*peers[i], counting(*got[i]), "peer-" + std::to_string(i));

  // Setup ends when every peer got a hello (a warm-up message) from every
  // other one. Hellos not yet seen are sent again every second.
  payload hello{spec.size};
  auto sweep = [&] {
    for (unsigned i = 0; i < n; ++i) {
      hello.stamp(i, 0);
      for (unsigned j = 0; j < n; ++j)
        if (j != i && !got[j]->warm_from(i))
          peers[i]->send_to(topics[j], hello.data(), hello.size(), false);
    }
  };
  auto all_met = [&] {
    return std::all_of(got.begin(), got.end(), [&](auto& c) { return c->warm_count() == n - 1; });
  };
  if (!settle(b, sweep, all_met, 1s, 120s))
    throw std::runtime_error("setup: not every peer heard from every other within 120 s");
  auto setup = clock::now();
  long rss_after = rss_kib();

  // All to all: every peer sends M messages to every other, from its own thread.
  uint64_t per_peer = spec.count * (n - 1);
  for (auto& c : got)
    c->expect(per_peer);
  clock::time_point t1;
  run_threads(
    n,
    [&](unsigned i) {
      payload p{spec.size};
      for (uint64_t m = 1; m <= spec.count; ++m) {
        p.stamp(i, m);
        for (unsigned j = 0; j < n; ++j)
          if (j != i)
            send_or_throw(*peers[i], topics[j], p, spec.alo);
      }
    },
    [&] { t1 = clock::now(); });
  bool all = wait_progress(b, [&] { return all_reached(got); }, [&] { return total_fresh(got); },
                           s.idle());

  run_result r;
  r.figure("setup_ms", seconds(setup - t0) * 1e3);
  r.figure("rss_per_peer_kib", static_cast<double>(rss_after) / n);
  r.figure("rss_growth_per_peer_kib", static_cast<double>(rss_after - rss_before) / n);
  uint64_t deliveries = per_peer * n;
  if (all)
    r.figure("deliveries_per_s", static_cast<double>(deliveries) / seconds(latest_reached(got) - t1));
  r.count("rss_before_kib", rss_before);
  r.count("rss_after_setup_kib", rss_after);
  report_counts(r, deliveries, got);
  return r;
}

run_result drain(session& s) {
  const run_spec& spec = s.spec();
  auto& b = s.hold<board>();
  auto& got = s.hold<counter>(b, 1, spec.size);
  // A runs before B: liner 1.4.1 remembers the route to B's address under
  // the topic of the first message on it, and queues at-least-once sends
  // for an absent B only if that was B's topic, not the internal channel
  // (which it is when A starts after B and announces itself to it).
  auto& tx = s.create("A");
  run_or_throw(tx, ignoring(), "A");
  // B comes back on its old port: liner 1.4.1's sender retries that address.
  std::string bind = "127.0.0.1:" + std::to_string(free_port());
  auto& rx = s.create("B", bind);
  run_or_throw(rx, counting(got), "B");
  std::string to = s.topic("B");
  // The route to B exists (and the store knows B) before B goes away.
  warm_up(b, tx, to, 0, got, spec.size, spec.alo);
  if (!rx.stop())
    throw std::runtime_error("stop of B failed: " + rx.last_error());

  payload p{spec.size};
  auto t_send = clock::now();
  for (uint64_t i = 1; i <= spec.count; ++i) {
    p.stamp(0, i);
    send_or_throw(tx, to, p, spec.alo); // at-least-once: the catalog fixes it
  }
  auto sent = clock::now();
  long rss_sent = rss_kib();

  // Let the sender put the queue into the store (it does so when a connect
  // to B fails) before B returns; if the library cannot say, or not all get
  // there within a minute, B returns anyway and a note says so.
  run_result r;
  long long stored = tx.pending_count();
  bool in_store = poll_until(
    [&] { return (stored = tx.pending_count()) >= static_cast<long long>(spec.count); }, 100ms, 60s);
  auto store_wait = clock::now();
  if (!in_store)
    r.note("B came back with " + std::to_string(stored) + " of " + std::to_string(spec.count)
           + " messages in the store (pending_count; -1: unknown)");

  got.expect(spec.count);
  auto t0 = clock::now();
  run_or_throw(rx, counting(got), "B (back)");
  // The first delivery may wait for a reconnect (every 10 s in liner 1.4.1)
  // and for the whole stored queue to be read back: a minute of patience.
  auto idle = std::max<clock::duration>(s.idle(), 60s);
  bool all = wait_progress(b, [&] { return got.reached(); }, [&] { return got.fresh(); }, idle);

  if (all) {
    double secs = seconds(got.reached_at() - t0);
    r.figure("drain_s", secs);
    r.figure("drain_msg_per_s", static_cast<double>(spec.count) / secs);
  }
  r.figure("send_ns", seconds(sent - t_send) * 1e9 / static_cast<double>(spec.count));
  r.figure("store_wait_s", seconds(store_wait - sent));
  r.count("stored_when_back", stored);
  r.count("rss_after_send_kib", rss_sent);
  r.count("rss_after_drain_kib", rss_kib());
  report_counts(r, spec.count, got);
  return r;
}

} // namespace bench
