// The ZeroMQ (libzmq) equivalents of the workloads that have a natural one:
// the reference point. One context per end, default high-water marks unless
// noted, tcp on 127.0.0.1; receivers feed the same counters, and the timed
// parts are the same helpers, as liner's.
#include "workload.hpp"
#include "zmq_support.hpp"

#include <algorithm>

namespace bench {

using namespace std::chrono_literals;
using namespace bench::zmq;

namespace {

void warm_or_throw(board& b, const std::function<void()>& sweep, const std::function<bool()>& settled) {
  if (!settle(b, sweep, settled, 200ms, 60s))
    throw std::runtime_error("zmq warm-up: nothing arrived within 60 s");
}

} // namespace

run_result zmq_pair(const run_spec& spec) {
  zctx rctx, sctx;
  zsock pull{rctx, ZMQ_PULL};
  std::string ep = pull.bind_any();
  zsock push{sctx, ZMQ_PUSH};
  push.connect(ep);
  board b;
  counters got;
  got.push_back(std::make_unique<counter>(b, 1, spec.size));
  zreceiver rx{pull, *got[0]};
  payload warm{spec.size};
  warm.stamp(0, 0);
  warm_or_throw(b, [&] { push.send(warm); }, [&] { return got[0]->warm_from(0); });

  run_result r;
  r.note("zmq: PUSH -> PULL over tcp, blocking send (waits at the high-water mark)");
  timed_burst(r, spec, b, got, [&](const payload& p) { push.send(p); }, idle_of(spec));
  push.send_end();
  return r;
}

run_result zmq_fanout(const run_spec& spec) {
  zctx pctx;
  zsock pub{pctx, ZMQ_XPUB};
  pub.set(ZMQ_XPUB_NODROP, 1);  // at the HWM a send waits instead of dropping
  pub.set(ZMQ_XPUB_VERBOSE, 1); // every subscription reaches us, not only the first
  pub.set(ZMQ_RCVTIMEO, 60000);
  std::string ep = pub.bind_any();
  board b;
  counters got;
  std::vector<std::unique_ptr<zctx>> ctxs;
  std::vector<std::unique_ptr<zsock>> subs;
  std::vector<std::unique_ptr<zreceiver>> rxs; // declared last: stops before the sockets close
  for (unsigned i = 0; i < spec.peers; ++i) {
    got.push_back(std::make_unique<counter>(b, 1, spec.size));
    ctxs.push_back(std::make_unique<zctx>());
    subs.push_back(std::make_unique<zsock>(*ctxs.back(), ZMQ_SUB));
    subs.back()->subscribe_all();
    subs.back()->connect(ep);
    rxs.push_back(std::make_unique<zreceiver>(*subs.back(), *got.back()));
  }
  // Subscriptions settle first: XPUB hands us one message per subscriber.
  zmsg m;
  for (unsigned i = 0; i < spec.peers; ++i)
    if (!pub.recv(m.get()))
      throw std::runtime_error("zmq: only " + std::to_string(i) + " subscriptions within 60 s");
  payload warm{spec.size};
  warm.stamp(0, 0);
  warm_or_throw(b, [&] { pub.send(warm); }, [&] { return all_warm_from(got, 0); });

  run_result r;
  r.note("zmq: XPUB with XPUB_NODROP -> SUB per subscriber, blocking send (libzmq waits and "
         "retries at the high-water mark instead of dropping)");
  timed_burst(r, spec, b, got, [&](const payload& p) { pub.send(p); }, idle_of(spec));
  pub.send_end();
  return r;
}

run_result zmq_manytoone(const run_spec& spec) {
  zctx rctx;
  zsock pull{rctx, ZMQ_PULL};
  std::string ep = pull.bind_any();
  board b;
  counter c{b, spec.peers, spec.size};
  zreceiver rx{pull, c};
  std::vector<std::unique_ptr<zctx>> ctxs;
  std::vector<std::unique_ptr<zsock>> pushes;
  for (unsigned i = 0; i < spec.peers; ++i) {
    ctxs.push_back(std::make_unique<zctx>());
    pushes.push_back(std::make_unique<zsock>(*ctxs.back(), ZMQ_PUSH));
    pushes.back()->connect(ep);
  }
  payload warm{spec.size};
  warm_or_throw(
    b,
    [&] {
      for (unsigned i = 0; i < spec.peers; ++i)
        if (!c.warm_from(i)) {
          warm.stamp(i, 0);
          pushes[i]->send(warm);
        }
    },
    [&] { return c.warm_from_all(); });

  run_result r;
  r.note("zmq: one PUSH per sender thread (own context) -> one PULL, blocking send");
  // Each PUSH moves to its sender thread (and only there) for the timed part.
  timed_fan_in(
    r, spec, b, c, [&](unsigned i, const payload& p) { pushes[i]->send(p); }, idle_of(spec));
  pushes[0]->send_end();
  return r;
}

run_result zmq_pingpong(const run_spec& spec) {
  zctx actx, bctx;
  zsock bs{bctx, ZMQ_PAIR};
  std::string ep = bs.bind_any();
  zsock as{actx, ZMQ_PAIR};
  as.set(ZMQ_RCVTIMEO, ms_of(idle_of(spec)));
  as.connect(ep);
  background echo{[&bs](const std::atomic<bool>& stop) {
    bs.set(ZMQ_RCVTIMEO, 200);
    zmsg m;
    while (!stop)
      if (bs.recv(m.get())) {
        if (m.size() == 0)
          return;
        bs.send(m.data(), m.size());
      }
  }};

  payload p{spec.size};
  uint64_t warm = std::max<uint64_t>(spec.count / 20, 1);
  std::vector<double> rtt_us;
  zmsg m;
  run_result r;
  r.note("zmq: PAIR <-> PAIR over tcp, echo on its own thread, blocking receive");
  for (uint64_t k = 0; k < warm + spec.count; ++k) {
    p.stamp(0, k + 1);
    auto t0 = clock::now();
    as.send(p);
    if (!as.recv(m.get())) {
      r.lost(1, "ping got no reply (round trip " + std::to_string(k + 1) + ")");
      return r;
    }
    if (k >= warm)
      rtt_us.push_back(seconds(clock::now() - t0) * 1e6);
  }
  as.send_end();
  rtt_figures(r, std::move(rtt_us));
  return r;
}

run_result zmq_first(const run_spec& spec) {
  std::vector<double> first_ms;
  payload p{spec.size};
  p.stamp(0, 1);
  run_result r;
  r.note("zmq: time from a new context + PUSH connect to the first message at a bound PULL");
  for (uint64_t k = 0; k < spec.count; ++k) {
    zctx bctx;
    zsock pull{bctx, ZMQ_PULL};
    pull.set(ZMQ_RCVTIMEO, ms_of(idle_of(spec)));
    std::string ep = pull.bind_any();
    auto t0 = clock::now();
    zctx actx;
    zsock push{actx, ZMQ_PUSH};
    push.connect(ep);
    push.send(p);
    zmsg m;
    if (!pull.recv(m.get())) {
      r.lost(1, "first message never arrived (repeat " + std::to_string(k + 1) + ")");
      return r;
    }
    first_ms.push_back(seconds(clock::now() - t0) * 1e3);
  }
  median_and_max(r, "first", std::move(first_ms));
  return r;
}

run_result zmq_reconnect(const run_spec& spec) {
  std::string ep = "tcp://127.0.0.1:" + std::to_string(free_port());
  zctx bctx, actx;
  auto open_pull = [&] {
    auto s = std::make_unique<zsock>(bctx, ZMQ_PULL);
    s->set(ZMQ_RCVTIMEO, ms_of(idle_of(spec)));
    // The old socket's listener closes asynchronously in libzmq's I/O
    // thread: retry the bind briefly until the port is free again.
    if (!poll_until([&] { return s->bind(ep); }, 1ms, 5s))
      throw std::runtime_error("zmq: could not bind " + ep + " again within 5 s");
    return s;
  };
  auto pull = open_pull();
  zsock push{actx, ZMQ_PUSH};
  push.connect(ep);

  // Best effort like the liner variant: at the high-water mark a message is dropped.
  std::atomic<int64_t> sent{0}, dropped{0};
  background sender{[&](const std::atomic<bool>& stop) {
    payload p{spec.size};
    paced(stop, 100us, [&](uint64_t i) {
      p.stamp(0, i);
      (push.send(p.data(), p.size(), ZMQ_DONTWAIT) ? sent : dropped)++;
    });
  }};

  run_result r;
  r.note("zmq: PUSH reconnects by itself to a PULL closed and bound again on the same port "
         "(ZMQ_RECONNECT_IVL default 100 ms)");
  zmsg m;
  if (!pull->recv(m.get())) {
    r.lost(1, "no message reached the PULL before the first restart");
    return r;
  }
  std::vector<double> restart_ms;
  for (uint64_t k = 0; k < spec.count; ++k) {
    pull.reset();
    pull = open_pull();
    auto t_run = clock::now();
    if (!pull->recv(m.get())) {
      r.lost(1, "no message after restart " + std::to_string(k + 1));
      break;
    }
    restart_ms.push_back(seconds(clock::now() - t_run) * 1e3);
  }
  if (restart_ms.size() == spec.count)
    median_and_max(r, "reconnect", restart_ms);
  r.count("restarts", static_cast<int64_t>(restart_ms.size()));
  r.count("sent", sent);
  r.count("send_failures", dropped);
  return r;
}

} // namespace bench
