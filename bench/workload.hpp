// What a workload function gets (a session: the library under test, the
// run's parameters, the clients it created) and the few helpers over
// endpoints that every liner workload uses.
#pragma once

#include "driver.hpp"
#include "harness.hpp"
#include "spec.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bench {

/// The clients of one child run. Names and topics get the run's unique
/// prefix, so runs on a shared PostgreSQL never meet. Clients still alive
/// when the workload returns are deleted by teardown(), after the result is
/// out (a hang or crash there is reported on its own).
///
/// Whatever a receive callback touches must be made with hold(): it lives
/// until the clients are gone, since a late message (a resent warm-up, a
/// reply after a timeout) may still arrive after the workload returned.
class session {
public:
  session(library& lib, const run_spec& spec) : lib_(lib), spec_(spec) {}
  ~session() { teardown(); }

  const run_spec& spec() const { return spec_; }
  /// The topic of the client created with `role`.
  std::string topic(const std::string& role) const { return spec_.prefix + role; }
  /// A client named and topic'd after `role`, listening on `bind`.
  endpoint& create(const std::string& role, const std::string& bind = "127.0.0.1:0");
  /// Deletes one client now.
  void destroy(endpoint& e);
  /// Deletes the rest, last created first.
  void teardown();

  /// A T that outlives every client of the session.
  template <class T, class... Args>
  T& hold(Args&&... args) {
    auto p = std::make_shared<T>(std::forward<Args>(args)...);
    T& ref = *p;
    held_.push_back(std::move(p));
    return ref;
  }

  /// How long a wait for messages may go without progress.
  clock::duration idle() const;

private:
  library& lib_;
  const run_spec& spec_;
  std::vector<std::shared_ptr<void>> held_; // destroyed after clients_ (declared first)
  std::vector<std::unique_ptr<endpoint>> clients_;
};

/// Runs `e` or throws with its last error.
void run_or_throw(endpoint& e, receive_fn on_receive, const std::string& what);
/// spec.idle_s as a duration: how long a wait for messages may go without progress.
clock::duration idle_of(const run_spec& spec);

/// A receive callback that feeds `c` (made with session::hold).
receive_fn counting(counter& c);
/// A receive callback that drops everything.
receive_fn ignoring();
/// send_to, retried while the library answers busy; throws on another failure.
void send_or_throw(endpoint& e, const std::string& topic, const payload& p, bool alo);
/// Same with send_all. A busy answer may come after some copies were
/// queued: the retry then duplicates them, and the counters drop duplicates.
void send_all_or_throw(endpoint& e, const std::string& topic, const payload& p, bool alo);
/// Sends warm-up messages (sequence 0, from `sender`) from `tx` to `topic`
/// until `rx` got one: the route is up before anything is timed. Throws if
/// none arrives within a minute.
void warm_up(board& b, endpoint& tx, const std::string& topic, unsigned sender, counter& rx,
             std::size_t size, bool alo);

// -- figures and counts shared by the liner and ZeroMQ variants -------------------------

/// Delivery counts every result carries (sent, received, lost, out of
/// order, duplicates); loss or disorder makes the run fail.
void report_counts(run_result& r, uint64_t sent, const counters& rx);
void report_counts(run_result& r, uint64_t sent, const counter& rx);
/// Throughput of a timed burst of `messages` sends (`deliveries` arrivals,
/// more than messages with send_all): t0 before the first send, `sent` when
/// the last send returned, `last` when the last message arrived.
void burst_figures(run_result& r, uint64_t messages, uint64_t deliveries, std::size_t size,
                   clock::time_point t0, clock::time_point sent, clock::time_point last);
/// The timed part of pair, burst, alo and fanout, over liner and ZeroMQ
/// alike: every receiver expects spec.count messages, send(p) is called for
/// each (p stamped with its sequence number), then figures and counts.
void timed_burst(run_result& r, const run_spec& spec, board& b, const counters& rx,
                 const std::function<void(const payload&)>& send, clock::duration idle);
/// The timed part of manytoone: spec.peers threads each send spec.count
/// messages (stamped with the thread's index) with send(i, p) to the one
/// receiver that `rx` counts.
void timed_fan_in(run_result& r, const run_spec& spec, board& b, counter& rx,
                  const std::function<void(unsigned, const payload&)>& send, clock::duration idle);
/// Round trips (µs): mean, p50, p99, p99.9.
void rtt_figures(run_result& r, std::vector<double> rtt_us);
/// `key`_p50_ms and `key`_max_ms of samples in ms.
void median_and_max(run_result& r, const std::string& key, std::vector<double> ms);

// -- the workloads (workloads/*.cpp, zmq_workloads.cpp) ----------------------------------

run_result pair(session& s); // also burst and alo: they differ only in parameters
run_result fanout(session& s);
run_result manytoone(session& s);
run_result durable(session& s);
run_result pingpong(session& s);
run_result first(session& s);
run_result reconnect(session& s);
run_result mesh(session& s);
run_result drain(session& s);
run_result discovery(session& s);
run_result publish(session& s);

run_result zmq_pair(const run_spec& spec);
run_result zmq_fanout(const run_spec& spec);
run_result zmq_manytoone(const run_spec& spec);
run_result zmq_pingpong(const run_spec& spec);
run_result zmq_first(const run_spec& spec);
run_result zmq_reconnect(const run_spec& spec);

} // namespace bench
