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
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(spec_.idle_s));
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

} // namespace bench
