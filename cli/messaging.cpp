// liner send / liner listen: a short-lived client of the mesh.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <iterator>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/client_session.hpp"
#include "cli/commands.hpp"
#include "cli/failure.hpp"

namespace liner::cli {

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

std::string read_all_stdin() {
  std::string data{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (std::cin.bad())
    throw failure(problem, "cannot read standard input");
  return data;
}

// Printable text (and common whitespace) is shown as is; anything else as hex.
bool printable(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
      return false;
  return true;
}

std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Waits in its own thread for SIGINT or SIGTERM (blocked in every other
// thread: block_stop_signals runs before any thread starts).
class stop_signals {
public:
  static void block_stop_signals() {
    sigset_t set = signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }
  template <class F>
  explicit stop_signals(F on_signal) {
    thread_ = std::thread([this, on_signal] {
      sigset_t set = signals();
      int sig = 0;
      sigwait(&set, &sig);
      if (!leaving_)
        on_signal(sig);
    });
  }
  ~stop_signals() {
    // Wake the thread with a signal meant for it (if no signal came yet:
    // a pending one is taken by its sigwait), then let it end.
    leaving_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
  }

private:
  static sigset_t signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
  }
  std::atomic<bool> leaving_{false};
  std::thread thread_;
};

} // namespace

int send(const context& cx, const send_options& o) {
  std::string data = o.data_given && o.data != "-" ? o.data : read_all_stdin();
  client_session session{cx, o.name, o.from_topic, "127.0.0.1:0", "", [](auto...) {}};
  auto& c = session.client();
  bool sent = o.all ? c.send_all(o.topic, data.data(), data.size(), o.at_least_once)
                    : c.send_to(o.topic, data.data(), data.size(), o.at_least_once);
  if (!sent)
    throw failure(problem, std::string(o.all ? "send_all" : "send_to") + " " + o.topic + ": "
                             + c.last_error_message());
  // At least once: wait (up to the timeout) for the ack; what is not acked
  // then is saved in the store by stop and sent when this name runs again.
  // The client has no ack callback: its counters are polled.
  // Best effort: wait until it is written, since stop drops what a route
  // that is still connecting holds (liner's best-effort rule).
  bool acked = false, written = false;
  auto deadline = clock_type::now() + cx.timeout;
  if (o.at_least_once) {
    while (!(acked = session.all_acked()) && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } else {
    auto state = session.best_effort_state(o.topic);
    while (state == client_session::written::not_yet && clock_type::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      state = session.best_effort_state(o.topic);
    }
    written = state == client_session::written::yes;
  }
  if (!session.stop())
    throw failure(problem, "stop: " + c.last_error_message());
  auto stored = o.at_least_once && !acked ? c.pending_count() : 0;
  if (cx.json) {
    *cx.out << json{{"topic", o.topic},        {"bytes", data.size()},
                    {"all", o.all},            {"at_least_once", o.at_least_once},
                    {"acked", acked},          {"written", o.at_least_once || written},
                    {"stored", stored}}
                 .dump()
            << '\n';
  } else if (o.at_least_once && !acked) {
    *cx.out << "sent " << data.size() << " bytes to " << o.topic << "; not acked within "
            << cx.timeout.count() << " ms: " << stored << " message(s) of '" << o.name
            << "' wait in the store for the listener\n";
  } else if (!o.at_least_once && !written) {
    *cx.out << "not sent: " << o.topic << " could not be reached (best effort: dropped)\n";
  } else {
    *cx.out << "sent " << data.size() << " bytes to " << o.topic
            << (o.at_least_once ? " (acked)" : "") << '\n';
  }
  return o.at_least_once || written ? ok : problem;
}

int listen(const context& cx, const listen_options& o) {
  stop_signals::block_stop_signals(); // before the client's threads start
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  long long received = 0;
  auto finish = [&] {
    std::lock_guard<std::mutex> guard{mutex};
    done = true;
    done_cv.notify_all();
  };
  stop_signals signals{[&](int) { finish(); }};
  auto name = o.name.empty() ? "liner-listen-" + std::to_string(::getpid()) : o.name;
  client_session session{
    cx, name, o.topics.front(), o.bind, o.advertise,
    [&](std::string_view to, std::string_view from, const char* data, std::size_t size) {
      std::string payload{data, size};
      std::lock_guard<std::mutex> guard{mutex};
      if (done)
        return;
      ++received;
      if (cx.json) {
        json line{{"n", received}, {"to", to}, {"from", from}, {"size", size}};
        try {
          line["data"] = payload;
          *cx.out << line.dump() << '\n';
        } catch (const json::type_error&) { // not UTF-8
          line.erase("data");
          line["data_hex"] = hex(payload);
          *cx.out << line.dump() << '\n';
        }
      } else {
        *cx.out << "[#" << received << "] Received on \"" << to << "\" from \"" << from << "\" ("
                << size << " bytes)\n"
                << (printable(payload) ? payload : "hex " + hex(payload)) << "\n\n";
      }
      cx.out->flush();
      if (o.count > 0 && received >= o.count) {
        done = true;
        done_cv.notify_all();
      }
    }};
  for (std::size_t i = 1; i < o.topics.size(); ++i)
    if (!session.client().subscribe(o.topics[i]))
      throw failure(problem, "subscribe " + o.topics[i] + ": " + session.client().last_error_message());
  if (!cx.json) {
    auto at = session.client().published_addr().value_or("?");
    std::cerr << "listening as '" << name << "' at " << at << " on";
    for (auto& t : o.topics)
      std::cerr << ' ' << t;
    std::cerr << " (Ctrl-C to stop)" << std::endl;
  }
  {
    std::unique_lock<std::mutex> lock{mutex};
    done_cv.wait(lock, [&] { return done; });
  }
  session.stop();
  return ok;
}

} // namespace liner::cli
