// Throughput over liner: one-to-one (pair, and so burst and alo), one-to-many
// with send_all (fanout), many-to-one (manytoone).
#include "../workload.hpp"

#include <algorithm>

namespace bench {

using namespace std::chrono_literals;

namespace {

/// The figures of a timed burst: t0 before the first send, `sent` when the
/// last send returned, `last` when the last message arrived.
void burst_figures(run_result& r, uint64_t messages, uint64_t deliveries, std::size_t size,
                   clock::time_point t0, clock::time_point sent, clock::time_point last) {
  double secs = seconds(last - t0);
  r.figure("msg_per_s", static_cast<double>(deliveries) / secs);
  r.figure("mb_per_s", static_cast<double>(deliveries) * static_cast<double>(size) / 1e6 / secs);
  r.figure("us_per_msg", secs * 1e6 / static_cast<double>(deliveries));
  r.figure("send_ns", seconds(sent - t0) * 1e9 / static_cast<double>(messages));
}

clock::time_point latest(const std::vector<std::unique_ptr<counter>>& cs) {
  clock::time_point t{};
  for (auto& c : cs)
    t = std::max(t, c->reached_at());
  return t;
}

std::vector<const counter*> views(const std::vector<std::unique_ptr<counter>>& cs) {
  std::vector<const counter*> v;
  for (auto& c : cs)
    v.push_back(c.get());
  return v;
}

} // namespace

run_result pair(session& s) {
  const run_spec& spec = s.spec();
  auto& b = s.hold<board>();
  auto& got = s.hold<counter>(b, 1, spec.size);
  // The receiver runs first: its address is in the catalog before A sends.
  auto& rx = s.create("B");
  run_or_throw(rx, counting(got), "B");
  auto& tx = s.create("A");
  run_or_throw(tx, ignoring(), "A");
  std::string to = s.topic("B");
  warm_up(b, tx, to, 0, got, spec.size, spec.alo);

  payload p{spec.size};
  got.expect(spec.count);
  auto t0 = clock::now();
  for (uint64_t i = 1; i <= spec.count; ++i) {
    p.stamp(0, i);
    send_or_throw(tx, to, p, spec.alo);
  }
  auto sent = clock::now();
  bool all = wait_progress(b, [&] { return got.reached(); }, [&] { return got.fresh(); }, s.idle());

  run_result r;
  if (all)
    burst_figures(r, spec.count, spec.count, spec.size, t0, sent, got.reached_at());
  report_counts(r, spec.count, {&got});
  return r;
}

run_result fanout(session& s) {
  const run_spec& spec = s.spec();
  auto& b = s.hold<board>();
  std::string fan = s.topic("fan");
  auto& got = s.hold<std::vector<std::unique_ptr<counter>>>();
  for (unsigned i = 0; i < spec.peers; ++i) {
    got.push_back(std::make_unique<counter>(b, 1, spec.size));
    auto& rx = s.create("S" + std::to_string(i));
    run_or_throw(rx, counting(*got.back()), "subscriber");
    // After run: liner 1.4.1 registers a subscription made before run under
    // the bind string (127.0.0.1:0), which nobody can dial.
    if (!rx.subscribe(fan))
      throw std::runtime_error("subscribe failed: " + rx.last_error());
  }
  auto& tx = s.create("A");
  run_or_throw(tx, ignoring(), "A");

  // Timing starts once every subscriber got a warm-up message.
  payload warm{spec.size};
  warm.stamp(0, 0);
  bool settled = settle(
    b, [&] { tx.send_all(fan, warm.data(), warm.size(), spec.alo); },
    [&] { return std::all_of(got.begin(), got.end(), [](auto& c) { return c->warm_from(0); }); },
    200ms, 60s);
  if (!settled)
    throw std::runtime_error("warm-up: not every subscriber got a message within 60 s");

  payload p{spec.size};
  for (auto& c : got)
    c->expect(spec.count);
  auto t0 = clock::now();
  for (uint64_t i = 1; i <= spec.count; ++i) {
    p.stamp(0, i);
    send_all_or_throw(tx, fan, p, spec.alo);
  }
  auto sent = clock::now();
  bool all = wait_progress(
    b, [&] { return std::all_of(got.begin(), got.end(), [](auto& c) { return c->reached(); }); },
    [&] { return total_fresh(got); }, s.idle());

  run_result r;
  uint64_t deliveries = spec.count * spec.peers;
  if (all) {
    double secs = seconds(latest(got) - t0);
    r.figure("deliveries_per_s", static_cast<double>(deliveries) / secs);
    r.figure("send_ns", seconds(sent - t0) * 1e9 / static_cast<double>(spec.count));
  }
  report_counts(r, deliveries, views(got));
  return r;
}

run_result manytoone(session& s) {
  const run_spec& spec = s.spec();
  auto& b = s.hold<board>();
  auto& c = s.hold<counter>(b, spec.peers, spec.size);
  auto& rx = s.create("R");
  run_or_throw(rx, counting(c), "R");
  std::string to = s.topic("R");
  std::vector<endpoint*> senders;
  for (unsigned i = 0; i < spec.peers; ++i) {
    senders.push_back(&s.create("S" + std::to_string(i)));
    run_or_throw(*senders.back(), ignoring(), "sender");
  }
  for (unsigned i = 0; i < spec.peers; ++i)
    warm_up(b, *senders[i], to, i, c, spec.size, spec.alo);

  uint64_t total = spec.count * spec.peers;
  c.expect(total);
  clock::time_point t0;
  run_threads(
    spec.peers,
    [&](unsigned i) {
      payload p{spec.size};
      for (uint64_t n = 1; n <= spec.count; ++n) {
        p.stamp(i, n);
        send_or_throw(*senders[i], to, p, spec.alo);
      }
    },
    [&] { t0 = clock::now(); });
  bool all = wait_progress(b, [&] { return c.reached(); }, [&] { return c.fresh(); }, s.idle());

  run_result r;
  if (all)
    r.figure("deliveries_per_s", static_cast<double>(total) / seconds(c.reached_at() - t0));
  report_counts(r, total, {&c});
  return r;
}

} // namespace bench
