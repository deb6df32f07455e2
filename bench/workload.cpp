#include "workload.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace bench {

using namespace std::chrono_literals;

endpoint& session::create(const std::string& role, const std::string& bind) {
  clients_.push_back(lib_.create(spec_.prefix + role + "-client", topic(role), bind, spec_.store));
  return *clients_.back();
}

void session::destroy(endpoint& e) {
  auto it = std::find_if(clients_.begin(), clients_.end(), [&](auto& p) { return p.get() == &e; });
  if (it != clients_.end())
    clients_.erase(it);
}

void session::teardown() {
  while (!clients_.empty())
    clients_.pop_back();
}

clock::duration session::idle() const {
  return idle_of(spec_);
}

clock::duration idle_of(const run_spec& spec) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(spec.idle_s));
}

void run_or_throw(endpoint& e, receive_fn on_receive, const std::string& what) {
  if (!e.run(std::move(on_receive)))
    throw std::runtime_error("run of " + what + " failed: " + e.last_error());
}

receive_fn counting(counter& c) {
  return [&c](std::string_view, std::string_view, const char* data, std::size_t size) {
    c.on_message(data, size);
  };
}

receive_fn ignoring() {
  return [](std::string_view, std::string_view, const char*, std::size_t) {};
}

namespace {

template <class Send>
void retrying(endpoint& e, const char* what, Send send) {
  for (;;) {
    switch (send()) {
      case send_status::ok:
        return;
      case send_status::busy:
        std::this_thread::yield();
        break;
      case send_status::failed:
        throw std::runtime_error(std::string(what) + " failed: " + e.last_error());
    }
  }
}

} // namespace

void send_or_throw(endpoint& e, const std::string& topic, const payload& p, bool alo) {
  retrying(e, "send_to", [&] { return e.send_to(topic, p.data(), p.size(), alo); });
}

void send_all_or_throw(endpoint& e, const std::string& topic, const payload& p, bool alo) {
  retrying(e, "send_all", [&] { return e.send_all(topic, p.data(), p.size(), alo); });
}

void warm_up(board& b, endpoint& tx, const std::string& topic, unsigned sender, counter& rx,
             std::size_t size, bool alo) {
  payload p{size};
  p.stamp(sender, 0);
  // A failed send (no address yet, route not up) is simply tried again.
  bool ok = settle(
    b, [&] { tx.send_to(topic, p.data(), p.size(), alo); }, [&] { return rx.warm_from(sender); },
    200ms, 60s);
  if (!ok)
    throw std::runtime_error("warm-up: no message reached " + topic + " within 60 s (last send: "
                             + tx.last_error() + ")");
}

namespace {

void report_counts(run_result& r, uint64_t sent, const std::vector<const counter*>& rx) {
  uint64_t fresh = 0, dup = 0, late = 0;
  for (auto* c : rx) {
    fresh += c->fresh();
    dup += c->duplicates();
    late += c->out_of_order();
  }
  int64_t lost = static_cast<int64_t>(sent) - static_cast<int64_t>(fresh);
  r.count("sent", static_cast<int64_t>(sent));
  r.count("received", static_cast<int64_t>(fresh));
  r.count("lost", std::max<int64_t>(lost, 0));
  r.count("out_of_order", static_cast<int64_t>(late));
  r.count("duplicates", static_cast<int64_t>(dup));
  r.lost(lost, "of " + std::to_string(sent) + " messages lost");
  // liner keeps each sender's order per destination: anything else is a fault too.
  if (late > 0 && r.status == "ok") {
    r.status = "out_of_order";
    r.error = std::to_string(late) + " messages arrived after a later one of the same sender";
  }
}

} // namespace

void report_counts(run_result& r, uint64_t sent, const counters& rx) {
  std::vector<const counter*> v;
  for (auto& c : rx)
    v.push_back(c.get());
  report_counts(r, sent, v);
}

void report_counts(run_result& r, uint64_t sent, const counter& rx) {
  report_counts(r, sent, std::vector<const counter*>{&rx});
}

void burst_figures(run_result& r, uint64_t messages, uint64_t deliveries, std::size_t size,
                   clock::time_point t0, clock::time_point sent, clock::time_point last) {
  double secs = seconds(last - t0);
  auto n = static_cast<double>(messages);
  r.figure("msg_per_s", n / secs);
  r.figure("mb_per_s", n * static_cast<double>(size) / 1e6 / secs);
  r.figure("us_per_msg", secs * 1e6 / n);
  r.figure("send_ns", seconds(sent - t0) * 1e9 / n);
  if (deliveries != messages)
    r.figure("deliveries_per_s", static_cast<double>(deliveries) / secs);
}

void timed_burst(run_result& r, const run_spec& spec, board& b, const counters& rx,
                 const std::function<void(const payload&)>& send, clock::duration idle) {
  for (auto& c : rx)
    c->expect(spec.count);
  payload p{spec.size};
  auto t0 = clock::now();
  for (uint64_t i = 1; i <= spec.count; ++i) {
    p.stamp(0, i);
    send(p);
  }
  auto sent = clock::now();
  bool all = wait_progress(b, [&] { return all_reached(rx); }, [&] { return total_fresh(rx); }, idle);
  uint64_t deliveries = spec.count * rx.size();
  if (all)
    burst_figures(r, spec.count, deliveries, spec.size, t0, sent, latest_reached(rx));
  report_counts(r, deliveries, rx);
}

void timed_fan_in(run_result& r, const run_spec& spec, board& b, counter& rx,
                  const std::function<void(unsigned, const payload&)>& send, clock::duration idle) {
  uint64_t total = spec.count * spec.peers;
  rx.expect(total);
  clock::time_point t0;
  run_threads(
    spec.peers,
    [&](unsigned i) {
      payload p{spec.size};
      for (uint64_t n = 1; n <= spec.count; ++n) {
        p.stamp(i, n);
        send(i, p);
      }
    },
    [&] { t0 = clock::now(); });
  bool all = wait_progress(b, [&] { return rx.reached(); }, [&] { return rx.fresh(); }, idle);
  if (all)
    r.figure("deliveries_per_s", static_cast<double>(total) / seconds(rx.reached_at() - t0));
  report_counts(r, total, rx);
}

void rtt_figures(run_result& r, std::vector<double> rtt_us) {
  r.figure("rtt_mean_us", mean(rtt_us));
  std::sort(rtt_us.begin(), rtt_us.end());
  r.figure("rtt_p50_us", percentile(rtt_us, 0.5));
  r.figure("rtt_p99_us", percentile(rtt_us, 0.99));
  r.figure("rtt_p999_us", percentile(rtt_us, 0.999));
  r.count("round_trips", static_cast<int64_t>(rtt_us.size()));
}

void median_and_max(run_result& r, const std::string& key, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  r.figure(key + "_p50_ms", percentile(ms, 0.5));
  r.figure(key + "_max_ms", ms.empty() ? 0 : ms.back());
}

} // namespace bench
