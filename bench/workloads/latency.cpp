// Latency over liner: round trips (pingpong), a new client's first message
// (first), a listener's restart (reconnect).
#include "../workload.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>

namespace bench {

using namespace std::chrono_literals;

namespace {

double ms(clock::duration d) {
  return seconds(d) * 1e3;
}

std::string format_seconds(clock::duration d) {
  return std::to_string(static_cast<int>(seconds(d))) + " s";
}

uint64_t seq_of(const char* data, std::size_t size) {
  uint64_t v = 0;
  if (payload_has_seq(size))
    std::memcpy(&v, data, sizeof v);
  return v;
}

} // namespace

run_result pingpong(session& s) {
  const run_spec& spec = s.spec();
  // B answers every ping from inside its receive callback, with the same
  // bytes, to A's topic; A's callback wakes the sender.
  struct shared {
    std::mutex echo_m;
    std::string echo_error; // the first failed echo
    event reply;
    std::atomic<uint64_t> reply_seq{0};
    std::atomic<uint64_t> pings{0}; // seen by B: tells a lost ping from a lost reply
  };
  auto& st = s.hold<shared>();
  auto& b = s.create("B");
  run_or_throw(
    b,
    [&st, b = &b, to_a = s.topic("A"), alo = spec.alo](std::string_view, std::string_view,
                                                        const char* data, std::size_t size) {
      st.pings.fetch_add(1, std::memory_order_relaxed);
      send_status sent;
      while ((sent = b->send_to(to_a, data, size, alo)) == send_status::busy)
        std::this_thread::yield();
      if (sent == send_status::failed) {
        std::lock_guard<std::mutex> g{st.echo_m};
        if (st.echo_error.empty())
          st.echo_error = b->last_error();
      }
    },
    "B");
  auto& a = s.create("A");
  run_or_throw(
    a,
    [&st](std::string_view, std::string_view, const char* data, std::size_t size) {
      st.reply_seq.store(seq_of(data, size), std::memory_order_release);
      st.reply.set();
    },
    "A");
  std::string to_b = s.topic("B");
  payload p{spec.size};

  // A ping answered only once the route is up: repeat the first one until
  // it comes back (replies carry the ping's number, so a late duplicate of
  // it is not taken for a later reply; payloads under 8 bytes cannot tell).
  uint64_t seq = 1, sent = 0;
  p.stamp(0, seq);
  bool up = false;
  for (auto end = clock::now() + 60s; !up && clock::now() < end; ++sent) {
    send_or_throw(a, to_b, p, spec.alo);
    up = st.reply.wait_and_clear(500ms);
  }
  if (!up)
    throw std::runtime_error("no reply to the first ping within 60 s");

  uint64_t warm = std::max<uint64_t>(spec.count / 20, 1); // discarded round trips
  std::vector<double> rtt_us;
  rtt_us.reserve(spec.count);
  for (uint64_t k = 0; k < warm + spec.count; ++k) {
    p.stamp(0, ++seq);
    auto t0 = clock::now();
    send_or_throw(a, to_b, p, spec.alo);
    ++sent;
    do {
      if (!st.reply.wait_and_clear(s.idle())) {
        std::lock_guard<std::mutex> g{st.echo_m};
        run_result r;
        r.count("lost", 1);
        r.lost(1, "ping got no reply within " + format_seconds(s.idle()) + " (round trip "
                    + std::to_string(k + 1) + "; B received " + std::to_string(st.pings.load())
                    + " of " + std::to_string(sent) + " pings)"
                    + (st.echo_error.empty() ? "" : "; echo failed: " + st.echo_error));
        return r;
      }
    } while (payload_has_seq(spec.size) && st.reply_seq.load(std::memory_order_acquire) != seq);
    if (k >= warm)
      rtt_us.push_back(seconds(clock::now() - t0) * 1e6);
  }
  run_result r;
  rtt_figures(r, std::move(rtt_us));
  r.count("warm_up", static_cast<int64_t>(warm));
  return r;
}

run_result first(session& s) {
  const run_spec& spec = s.spec();
  std::vector<double> first_ms, create_ms, run_ms;
  payload p{spec.size};
  p.stamp(0, 1);
  for (uint64_t k = 0; k < spec.count; ++k) {
    std::string n = std::to_string(k);
    struct arrival {
      event got;
      clock::time_point t1;
      std::atomic<bool> seen{false};
    };
    auto& st = s.hold<arrival>();
    auto& b = s.create("B" + n);
    run_or_throw(
      b,
      [&st](std::string_view, std::string_view, const char*, std::size_t) {
        if (!st.seen.exchange(true)) {
          st.t1 = clock::now();
          st.got.set();
        }
      },
      "B");
    std::string to = s.topic("B" + n);
    auto t0 = clock::now();
    auto& a = s.create("A" + n);
    auto created = clock::now();
    run_or_throw(a, ignoring(), "A");
    auto ran = clock::now();
    // At-least-once (the catalog fixes it), so that a message sent before
    // the route is up is not dropped; retried while the send itself fails
    // (e.g. no address yet).
    bool accepted = poll_until(
      [&] { return a.send_to(to, p.data(), p.size(), spec.alo) == send_status::ok; }, 1ms, 30s);
    if (!accepted)
      throw std::runtime_error("send_to B never accepted within 30 s: " + a.last_error());
    if (!st.got.wait_and_clear(s.idle())) {
      run_result r;
      r.lost(1, "first message did not arrive within " + format_seconds(s.idle()) + " (repeat "
                  + std::to_string(k + 1) + ")");
      return r;
    }
    first_ms.push_back(ms(st.t1 - t0));
    create_ms.push_back(ms(created - t0));
    run_ms.push_back(ms(ran - created));
    s.destroy(a);
    s.destroy(b);
  }
  run_result r;
  median_and_max(r, "first", first_ms);
  std::sort(create_ms.begin(), create_ms.end());
  std::sort(run_ms.begin(), run_ms.end());
  r.figure("create_p50_ms", percentile(create_ms, 0.5));
  r.figure("run_p50_ms", percentile(run_ms, 0.5));
  r.count("repeats", static_cast<int64_t>(first_ms.size()));
  return r;
}

run_result reconnect(session& s) {
  const run_spec& spec = s.spec();
  // B listens on the same port every time, so A's route finds it again
  // where it was (liner 1.4.1 retries the old address only).
  std::string bind = "127.0.0.1:" + std::to_string(free_port());
  auto& b = s.create("B", bind);
  struct arrival {
    std::atomic<bool> armed{true}; // the next message is the first after a restart
    clock::time_point t_first;
    event arrived;
  };
  auto& st = s.hold<arrival>();
  auto on_receive = [&st](std::string_view, std::string_view, const char*, std::size_t) {
    if (st.armed.exchange(false, std::memory_order_acq_rel)) {
      st.t_first = clock::now();
      st.arrived.set();
    }
  };
  run_or_throw(b, on_receive, "B");
  auto& a = s.create("A");
  run_or_throw(a, ignoring(), "A");
  std::string to = s.topic("B");

  // A sends (best-effort: the catalog fixes it) every ~100 µs, whatever B
  // is doing; failures while B is away are expected.
  std::atomic<int64_t> sent{0}, failed{0};
  background sender{[&](const std::atomic<bool>& stop) {
    payload p{spec.size};
    paced(stop, 100us, [&](uint64_t i) {
      p.stamp(0, i);
      (a.send_to(to, p.data(), p.size(), spec.alo) == send_status::ok ? sent : failed)++;
    });
  }};

  run_result r;
  if (!st.arrived.wait_and_clear(60s)) {
    r.lost(1, "no message reached B before the first restart");
    return r;
  }
  std::vector<double> restart_ms, stop_ms;
  for (uint64_t k = 0; k < spec.count; ++k) {
    auto t_stop = clock::now();
    if (!b.stop())
      throw std::runtime_error("stop of B failed: " + b.last_error());
    stop_ms.push_back(ms(clock::now() - t_stop));
    st.armed = true;
    run_or_throw(b, on_receive, "B (restart " + std::to_string(k + 1) + ")");
    auto t_run = clock::now();
    if (!st.arrived.wait_and_clear(s.idle())) {
      r.lost(1, "no message within " + format_seconds(s.idle()) + " after restart "
                  + std::to_string(k + 1));
      break;
    }
    // A message may arrive while run() is still returning: that is 0.
    restart_ms.push_back(std::max(0.0, ms(st.t_first - t_run)));
  }
  if (restart_ms.size() == spec.count) {
    median_and_max(r, "reconnect", restart_ms);
    std::sort(stop_ms.begin(), stop_ms.end());
    r.figure("stop_p50_ms", percentile(stop_ms, 0.5));
  }
  r.count("restarts", static_cast<int64_t>(restart_ms.size()));
  r.count("sent", sent);
  r.count("send_failures", failed);
  return r;
}

} // namespace bench
