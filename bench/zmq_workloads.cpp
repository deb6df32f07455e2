// The ZeroMQ (libzmq) equivalents of the workloads that have a natural one:
// the reference point. One context per end, default high-water marks unless
// noted, tcp on 127.0.0.1; receivers feed the same counters as liner's.
#include "workload.hpp"

#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace bench {

using namespace std::chrono_literals;

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("zmq: " + what + ": " + zmq_strerror(zmq_errno()));
}

class zctx {
public:
  zctx() : p_(zmq_ctx_new()) {
    if (!p_)
      fail("zmq_ctx_new");
  }
  ~zctx() { zmq_ctx_term(p_); }
  zctx(const zctx&) = delete;
  zctx& operator=(const zctx&) = delete;
  void* get() const { return p_; }

private:
  void* p_;
};

class zsock {
public:
  zsock(zctx& c, int type) : s_(zmq_socket(c.get(), type)) {
    if (!s_)
      fail("zmq_socket");
    set(ZMQ_LINGER, 0); // teardown never waits for unsent messages
  }
  ~zsock() { zmq_close(s_); }
  zsock(const zsock&) = delete;
  zsock& operator=(const zsock&) = delete;

  void set(int option, int value) {
    if (zmq_setsockopt(s_, option, &value, sizeof value) != 0)
      fail("zmq_setsockopt");
  }
  void subscribe_all() {
    if (zmq_setsockopt(s_, ZMQ_SUBSCRIBE, "", 0) != 0)
      fail("ZMQ_SUBSCRIBE");
  }
  /// Binds to `endpoint`; false when the address is still in use.
  bool bind(const std::string& endpoint) {
    if (zmq_bind(s_, endpoint.c_str()) == 0)
      return true;
    if (zmq_errno() == EADDRINUSE)
      return false;
    fail("zmq_bind " + endpoint);
  }
  /// Binds to a free port of 127.0.0.1 and returns the endpoint.
  std::string bind_any() {
    bind("tcp://127.0.0.1:*");
    char buf[256];
    std::size_t len = sizeof buf;
    if (zmq_getsockopt(s_, ZMQ_LAST_ENDPOINT, buf, &len) != 0)
      fail("ZMQ_LAST_ENDPOINT");
    return buf;
  }
  void connect(const std::string& endpoint) {
    if (zmq_connect(s_, endpoint.c_str()) != 0)
      fail("zmq_connect " + endpoint);
  }
  /// Blocking send (waits at the high-water mark); flags may add ZMQ_DONTWAIT,
  /// then false means EAGAIN.
  bool send(const void* data, std::size_t size, int flags = 0) {
    for (;;) {
      if (zmq_send(s_, data, size, flags) >= 0)
        return true;
      if (zmq_errno() == EAGAIN && (flags & ZMQ_DONTWAIT))
        return false;
      if (zmq_errno() != EINTR)
        fail("zmq_send");
    }
  }
  void send(const payload& p) { send(p.data(), p.size()); }
  /// The end mark for receiver threads: an empty message.
  void send_end() { send("", 0); }
  /// Receives one message into `m`; false on timeout (ZMQ_RCVTIMEO).
  bool recv(zmq_msg_t& m) {
    for (;;) {
      if (zmq_msg_recv(&m, s_, 0) >= 0)
        return true;
      if (zmq_errno() == EAGAIN)
        return false;
      if (zmq_errno() != EINTR)
        fail("zmq_msg_recv");
    }
  }

private:
  void* s_;
};

class zmsg {
public:
  zmsg() { zmq_msg_init(&m_); }
  ~zmsg() { zmq_msg_close(&m_); }
  zmq_msg_t& get() { return m_; }
  const char* data() { return static_cast<const char*>(zmq_msg_data(&m_)); }
  std::size_t size() { return zmq_msg_size(&m_); }

private:
  zmq_msg_t m_;
};

/// Feeds `c` from `s` on a thread of its own until the end mark, or until
/// stopped (it looks at the stop flag every 200 ms).
class zreceiver {
public:
  zreceiver(zsock& s, counter& c) : s_(s), c_(c) {
    s_.set(ZMQ_RCVTIMEO, 200);
    t_ = std::thread{[this] { loop(); }};
  }
  ~zreceiver() {
    stop_ = true;
    t_.join();
  }

private:
  void loop() {
    zmsg m;
    while (!stop_) {
      if (!s_.recv(m.get()))
        continue;
      if (m.size() == 0)
        return;
      c_.on_message(m.data(), m.size());
    }
  }
  zsock& s_;
  counter& c_;
  std::atomic<bool> stop_{false};
  std::thread t_;
};

int ms_of(clock::duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

clock::duration idle_of(const run_spec& spec) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(spec.idle_s));
}

/// Sends the measured messages and fills throughput figures; shared by pair
/// and fanout (their receivers differ, the sending and timing do not).
template <class Send>
void timed_burst(run_result& r, const run_spec& spec, board& b,
                 std::vector<std::unique_ptr<counter>>& got, Send send) {
  for (auto& c : got)
    c->expect(spec.count);
  payload p{spec.size};
  auto t0 = clock::now();
  for (uint64_t i = 1; i <= spec.count; ++i) {
    p.stamp(0, i);
    send(p);
  }
  auto sent = clock::now();
  auto all_reached = [&] {
    return std::all_of(got.begin(), got.end(), [](auto& c) { return c->reached(); });
  };
  bool all = wait_progress(b, all_reached, [&] { return total_fresh(got); }, idle_of(spec));
  uint64_t deliveries = spec.count * got.size();
  if (all) {
    clock::time_point last{};
    for (auto& c : got)
      last = std::max(last, c->reached_at());
    double secs = seconds(last - t0);
    r.figure("msg_per_s", static_cast<double>(spec.count) / secs);
    r.figure("mb_per_s", static_cast<double>(spec.count * spec.size) / 1e6 / secs);
    r.figure("us_per_msg", secs * 1e6 / static_cast<double>(spec.count));
    r.figure("send_ns", seconds(sent - t0) * 1e9 / static_cast<double>(spec.count));
    r.figure("deliveries_per_s", static_cast<double>(deliveries) / secs);
  }
  std::vector<const counter*> views;
  for (auto& c : got)
    views.push_back(c.get());
  report_counts(r, deliveries, views);
}

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
  std::vector<std::unique_ptr<counter>> got;
  got.push_back(std::make_unique<counter>(b, 1, spec.size));
  zreceiver rx{pull, *got[0]};
  payload warm{spec.size};
  warm.stamp(0, 0);
  warm_or_throw(b, [&] { push.send(warm); }, [&] { return got[0]->warm_from(0); });

  run_result r;
  r.note("zmq: PUSH -> PULL over tcp, blocking send (waits at the high-water mark)");
  timed_burst(r, spec, b, got, [&](const payload& p) { push.send(p); });
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
  std::vector<std::unique_ptr<counter>> got;
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
  warm_or_throw(b, [&] { pub.send(warm); }, [&] {
    return std::all_of(got.begin(), got.end(), [](auto& c) { return c->warm_from(0); });
  });

  run_result r;
  r.note("zmq: XPUB with XPUB_NODROP -> SUB per subscriber, blocking send (libzmq waits and "
         "retries at the high-water mark instead of dropping)");
  timed_burst(r, spec, b, got, [&](const payload& p) { pub.send(p); });
  pub.send_end();
  return r;
}

run_result zmq_manytoone(const run_spec& spec) {
  zctx rctx;
  zsock pull{rctx, ZMQ_PULL};
  std::string ep = pull.bind_any();
  board b;
  std::vector<std::unique_ptr<counter>> got;
  got.push_back(std::make_unique<counter>(b, spec.peers, spec.size));
  counter& c = *got[0];
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

  uint64_t total = spec.count * spec.peers;
  c.expect(total);
  clock::time_point t0;
  run_threads(
    spec.peers,
    [&](unsigned i) {
      payload p{spec.size};
      for (uint64_t n = 1; n <= spec.count; ++n) {
        p.stamp(i, n);
        pushes[i]->send(p);
      }
    },
    [&] { t0 = clock::now(); });
  bool all = wait_progress(b, [&] { return c.reached(); }, [&] { return c.fresh(); }, idle_of(spec));
  run_result r;
  r.note("zmq: one PUSH per sender thread (own context) -> one PULL, blocking send");
  if (all)
    r.figure("deliveries_per_s", static_cast<double>(total) / seconds(c.reached_at() - t0));
  report_counts(r, total, {&c});
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
  std::atomic<bool> stop{false};
  bs.set(ZMQ_RCVTIMEO, 200);
  std::thread echo{[&] {
    zmsg m;
    while (!stop) {
      if (!bs.recv(m.get()))
        continue;
      if (m.size() == 0)
        return;
      bs.send(m.data(), m.size());
    }
  }};
  struct joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~joiner() {
      stop = true;
      t.join();
    }
  } join_echo{stop, echo};

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
  r.figure("rtt_mean_us", mean(rtt_us));
  std::sort(rtt_us.begin(), rtt_us.end());
  r.figure("rtt_p50_us", percentile(rtt_us, 0.5));
  r.figure("rtt_p99_us", percentile(rtt_us, 0.99));
  r.figure("rtt_p999_us", percentile(rtt_us, 0.999));
  r.count("round_trips", static_cast<int64_t>(rtt_us.size()));
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
  std::sort(first_ms.begin(), first_ms.end());
  r.figure("first_p50_ms", percentile(first_ms, 0.5));
  r.figure("first_max_ms", first_ms.back());
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

  std::atomic<bool> stop{false};
  std::atomic<int64_t> sent{0}, dropped{0};
  std::thread sender{[&] {
    payload p{spec.size};
    auto next = clock::now();
    for (uint64_t i = 1; !stop.load(std::memory_order_relaxed); ++i) {
      p.stamp(0, i);
      (push.send(p.data(), p.size(), ZMQ_DONTWAIT) ? sent : dropped)++;
      next = std::max(next + 100us, clock::now() - 1ms);
      std::this_thread::sleep_until(next);
    }
  }};
  struct joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~joiner() {
      stop = true;
      t.join();
    }
  } join_sender{stop, sender};

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
  if (restart_ms.size() == spec.count) {
    std::sort(restart_ms.begin(), restart_ms.end());
    r.figure("reconnect_p50_ms", percentile(restart_ms, 0.5));
    r.figure("reconnect_max_ms", restart_ms.back());
  }
  r.count("restarts", static_cast<int64_t>(restart_ms.size()));
  r.count("sent", sent);
  r.count("send_failures", dropped);
  return r;
}

} // namespace bench
