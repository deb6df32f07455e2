// Throughput over liner: one-to-one (pair, and so burst and alo), one-to-many
// with send_all (fanout), many-to-one (manytoone).
#include "../workload.hpp"

#include <algorithm>

namespace bench {

using namespace std::chrono_literals;

run_result pair(session& s) {
  const run_spec& spec = s.spec();
  auto& b = s.hold<board>();
  auto& got = s.hold<counters>();
  got.push_back(std::make_unique<counter>(b, 1, spec.size));
  // The receiver runs first: its address is in the catalog before A sends.
  auto& rx = s.create("B");
  run_or_throw(rx, counting(*got[0]), "B");
  auto& tx = s.create("A");
  run_or_throw(tx, ignoring(), "A");
  std::string to = s.topic("B");
  warm_up(b, tx, to, 0, *got[0], spec.size, spec.alo);

  run_result r;
  timed_burst(r, spec, b, got, [&](const payload& p) { send_or_throw(tx, to, p, spec.alo); },
              s.idle());
  return r;
}

run_result fanout(session& s) {
  const run_spec& spec = s.spec();
  auto& b = s.hold<board>();
  std::string fan = s.topic("fan");
  auto& got = s.hold<counters>();
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
    [&] { return all_warm_from(got, 0); },
    200ms, 60s);
  if (!settled)
    throw std::runtime_error("warm-up: not every subscriber got a message within 60 s");

  run_result r;
  timed_burst(r, spec, b, got, [&](const payload& p) { send_all_or_throw(tx, fan, p, spec.alo); },
              s.idle());
  return r;
}

run_result durable(session& s) {
  const run_spec& spec = s.spec();
  auto& b = s.hold<board>();
  auto& c = s.hold<counter>(b, spec.peers, spec.size);
  auto& rx = s.create("R");
  run_or_throw(rx, counting(c), "R");
  auto& tx = s.create("A");
  tx.set_durable(spec.durable);
  run_or_throw(tx, ignoring(), "A");
  std::string to = s.topic("R");
  for (unsigned i = 0; i < spec.peers; ++i)
    warm_up(b, tx, to, i, c, spec.size, spec.alo);

  run_result r;
  timed_fan_in(
    r, spec, b, c, [&](unsigned, const payload& p) { send_or_throw(tx, to, p, spec.alo); },
    s.idle());
  auto pending = tx.pending_count();
  r.count("pending_after", pending);
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

  run_result r;
  timed_fan_in(
    r, spec, b, c, [&](unsigned i, const payload& p) { send_or_throw(*senders[i], to, p, spec.alo); },
    s.idle());
  return r;
}

} // namespace bench
