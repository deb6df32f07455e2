// Faults under running peers, each peer a real process (liner-peer, see
// tests/peer.cpp) so that a hang or a crash in the library shows up as a
// missing answer or an abnormal exit, never as a hung test:
//
// - PostgreSQL or Redis frozen (SIGSTOP of the server), stopped, restarted:
//   on a private server of this test binary (support/pg_cluster,
//   support/redis_server), never the shared one;
// - a SQLite file locked by another process (liner-sqlite-lock);
// - peers killed with SIGKILL or stopped, and started again (on SQLite and
//   on a schema of the shared PostgreSQL server).
//
// The peers run with LINER_STORE_TIMEOUT_MS=1000: a store call waits at most
// that long, then fails with LNR_ERR_STORE (7). Tests assert that an answer
// comes within a generous bound (20 s), never how fast. Every child process
// is killed and reaped, and the private server thawed, stopped and removed,
// also when an assertion fails.
#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <thread>

#include "support/peer_lines.hpp"
#include "support/peer_process.hpp"
#include "support/pg_cluster.hpp"
#include "support/redis_server.hpp"
#include "support/test_backends.hpp"

using namespace liner::test;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> peer_env{"LINER_STORE_TIMEOUT_MS=1000"};

/// Starts liner-peer NAME/TOPIC on a store ("sqlite" or "postgres" at
/// `location`) and waits for "ready"; nullptr (and a test failure) if it
/// does not get there.
std::unique_ptr<peer_process> start_peer(const std::string& kind, const std::string& location,
                                         const std::string& name, const std::string& topic,
                                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{LINER_PEER_BIN, "--name", name, "--topic", topic,
                                "--" + kind, location};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return start_until_ready(name, argv, peer_env);
}

/// Repeats `line` until its answer starts with `expected` (a store that
/// comes back): true once it does, false after `timeout`.
bool eventually(peer_process& p, const std::string& line, const std::string& expected,
                std::chrono::seconds timeout = 30s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto answer = command(p, line);
    if (starts_with(answer, expected))
      return true;
    if (p.eof())
      return false;
    std::this_thread::sleep_for(100ms); // polling pace, not a wait for an outcome
  }
  return false;
}

/// The peer's peak resident size (VmHWM) in KiB, -1 if it cannot tell.
long hwm_kb(peer_process& p) {
  auto answer = command(p, "hwm");
  return starts_with(answer, "ok ") ? std::stol(answer.substr(3)) : -1;
}

/// The message numbers a --keep-going sender printed as "rejected N ...".
std::set<long> rejected(const std::vector<std::string>& lines) {
  std::set<long> out;
  for (auto& l : lines)
    if (starts_with(l, "rejected "))
      out.insert(std::stol(l.substr(9)));
  return out;
}

/// The accepted numbers that are in none of the received lists.
std::vector<long> lost(const std::set<long>& accepted,
                       const std::vector<std::vector<long>>& runs) {
  std::set<long> got;
  for (auto& run : runs)
    got.insert(run.begin(), run.end());
  std::vector<long> out;
  for (long n : accepted)
    if (!got.count(n))
      out.push_back(n);
  return out;
}

std::string describe(const std::vector<long>& numbers) {
  std::string out = std::to_string(numbers.size()) + " lost:";
  for (std::size_t i = 0; i < numbers.size() && i < 20; ++i)
    out += " " + std::to_string(numbers[i]);
  if (numbers.size() > 20)
    out += " ... " + std::to_string(numbers.back());
  return out;
}

// -- server faults: a private PostgreSQL (a fresh schema per test) or Redis -----------
// -- (a fresh database per test) that a test freezes, stops and restarts -----------

// What a test does to its private server, whichever kind it is.
class fault_server {
public:
  virtual ~fault_server() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual void restart() = 0;
  virtual void freeze() = 0;
  virtual void thaw() = 0;
  virtual std::string fresh_url() = 0;
};

class pg_fault_server : public fault_server {
public:
  pg_fault_server() : c_(shared_pg_cluster(LINER_PG_SCRIPT)) {}
  void start() override { c_.start(); }
  void stop() override { c_.stop(); }
  void restart() override { c_.restart(); }
  void freeze() override { c_.freeze(); }
  void thaw() override { c_.thaw(); }
  std::string fresh_url() override { return c_.fresh_schema_url(); }

private:
  pg_cluster& c_;
};

// One private Redis for the whole test program (started once, like the
// PostgreSQL cluster): each test takes a database of its own.
class redis_fault_server : public fault_server {
public:
  redis_fault_server() : s_(shared()) {}
  void start() override { s_.start(); }
  void stop() override { s_.stop(); }
  void restart() override { s_.restart(); }
  void freeze() override { s_.freeze(); }
  void thaw() override { s_.thaw(); }
  std::string fresh_url() override { return s_.fresh_db_url(); }

private:
  static redis_server& shared() {
    static redis_server s{LINER_REDIS_SCRIPT};
    s.start();
    return s;
  }
  redis_server& s_;
};

class store_fault_server_test : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    if (GetParam() == "postgres")
      server = std::make_unique<pg_fault_server>();
    else
      server = std::make_unique<redis_fault_server>();
    url = server->fresh_url();
  }

  // The peers (locals of the test body) are gone by now; the next test gets
  // a running server whatever this one left behind.
  void TearDown() override {
    try {
      server->thaw();
      server->start();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "restoring the private " << GetParam() << " server: " << e.what();
    }
  }

  std::unique_ptr<peer_process> start(const std::string& name, const std::string& topic,
                                      const std::vector<std::string>& extra = {}) {
    return start_peer(GetParam(), url, name, topic, extra);
  }

  std::unique_ptr<fault_server> server;
  std::string url;
};

// Fault 1. The server is frozen while a sender streams at-least-once
// messages. Store calls must give up after the deadline with LNR_ERR_STORE
// and a message (not block for a minute, not crash), and after the thaw
// everything resumes by itself: calls work, the stream completes, both
// processes end normally.
TEST_P(store_fault_server_test, frozen_server_fails_calls_with_store_error_then_resumes) {
  const long k = 4000;
  auto r = start("r", "R");
  ASSERT_TRUE(r);
  auto s = start("s", "S",
                 {"--send-to", "R", "--count", std::to_string(k), "--interval-ms", "1", "--stay",
                  "--keep-going"});
  ASSERT_TRUE(s);
  ASSERT_TRUE(has_line(*r, "recv to=R from=S data=msg-299")) << dump_without_recv(*r);

  server->freeze();
  // The sender twice (the second call queues behind the first one's stuck
  // query), then the listener.
  for (auto* p : {s.get(), s.get(), r.get()}) {
    auto answer = command(*p, "pending");
    ASSERT_TRUE(starts_with(answer, "err 7 ") && answer.size() > 6)
      << "pending while the server is frozen answered: " << answer << "\n"
      << dump_without_recv(*p);
  }
  server->thaw();

  EXPECT_TRUE(eventually(*s, "pending", "ok ")) << dump_without_recv(*s);
  EXPECT_TRUE(eventually(*r, "pending", "ok ")) << dump_without_recv(*r);
  auto sent = seen_or_wait(*s, [](const std::string& l) { return starts_with(l, "sent "); }, 60s);
  ASSERT_TRUE(sent) << "the sender did not finish its stream\n" << dump_without_recv(*s);
  auto accepted = range(k);
  for (long n : rejected(s->lines()))
    accepted.erase(n);
  EXPECT_TRUE(wait_received(*r, "R", "S", "msg-", accepted, 60s))
    << "not every accepted message arrived\n" << dump_without_recv(*r);
  EXPECT_EQ(command(*s, "quit"), "ok");
  EXPECT_EQ(command(*r, "quit"), "ok");
  EXPECT_EQ(s->wait_exit(), 0) << dump_without_recv(*s);
  EXPECT_EQ(r->wait_exit(), 0) << dump_without_recv(*r);
  auto missing = lost(accepted, {received(r->lines(), "R", "S", "msg-")});
  EXPECT_TRUE(missing.empty()) << describe(missing);
}

// Fault 2. The server is down while the listener is killed with SIGKILL in
// the middle of an at-least-once stream. The listener hangs first (SIGSTOP)
// so that the sender holds the rest of the stream unacknowledged when the
// kill comes. Saving those messages fails while the server is down: the
// sender must keep them and retry, so that once the server and the listener
// are back every message it accepted arrives (twice is allowed, never lost).
TEST_P(store_fault_server_test, server_down_while_listener_killed_loses_no_accepted_message) {
  const long k = 3000;
  auto r1 = start("r", "R");
  ASSERT_TRUE(r1);
  auto s = start("s", "S",
                 {"--send-to", "R", "--count", std::to_string(k), "--interval-ms", "1", "--stay",
                  "--keep-going", "--status"});
  ASSERT_TRUE(s);
  ASSERT_TRUE(has_line(*r1, "recv to=R from=S data=msg-299")) << dump_without_recv(*r1);

  server->stop();
  r1->kill(SIGSTOP);
  auto sent = seen_or_wait(*s, [](const std::string& l) { return starts_with(l, "sent "); }, 60s);
  ASSERT_TRUE(sent) << dump_without_recv(*s);
  r1->kill(SIGKILL);
  ASSERT_EQ(r1->wait_exit(), 128 + SIGKILL);
  // Let the sender try to save while the server is down: a connect attempt
  // fails after the kill (LNR_SENDER_ROUTE_LOST), which puts what it holds
  // up for saving, and a store call queued behind that save (the store runs
  // one job at a time, in order) answers once it was tried. Only waits.
  s->wait_for_prefix("status 5 ");
  command(*s, "pending");

  server->start();
  auto r2 = start("r", "R");
  ASSERT_TRUE(r2);
  auto accepted = range(k);
  for (long n : rejected(s->lines()))
    accepted.erase(n);
  auto first = received(r1->lines(), "R", "S", "msg-");
  auto still_due = accepted;
  for (long n : first)
    still_due.erase(n);
  wait_received(*r2, "R", "S", "msg-", still_due, 60s);
  EXPECT_EQ(command(*s, "quit"), "ok");
  EXPECT_EQ(command(*r2, "quit"), "ok");
  EXPECT_EQ(s->wait_exit(), 0) << dump_without_recv(*s);
  EXPECT_EQ(r2->wait_exit(), 0) << dump_without_recv(*r2);

  auto second = received(r2->lines(), "R", "S", "msg-");
  auto missing = lost(accepted, {first, second});
  EXPECT_TRUE(missing.empty()) << describe(missing) << " (" << accepted.size() << " accepted of "
                               << k << "; the killed listener got " << first.size()
                               << ", the restarted one " << second.size() << ")\n"
                               << dump_without_recv(*s);
}

// Fault 2, second part. After a server restart (fast stop, start) the
// clients reconnect by themselves: their first store calls work, and so does
// the first save of at-least-once messages for a stopped listener.
TEST_P(store_fault_server_test, clients_reconnect_after_a_server_restart) {
  auto r = start("r", "R");
  ASSERT_TRUE(r);
  auto s = start("s", "S", {"--status"});
  ASSERT_TRUE(s);
  EXPECT_EQ(command(*s, "send R before alo"), "ok");
  ASSERT_TRUE(has_line(*r, "recv to=R from=S data=before")) << dump(*r);

  server->restart();
  auto answer = command(*s, "pending");
  EXPECT_TRUE(starts_with(answer, "ok ")) << "first call of the sender after the restart: "
                                          << answer;
  EXPECT_EQ(command(*r, "subscribe news"), "ok") << "first call of the listener after the restart";

  // The listener stops cleanly: what the sender queues for it now is saved.
  EXPECT_EQ(command(*r, "stop"), "ok");
  EXPECT_EQ(command(*s, "send R queued alo"), "ok");
  EXPECT_TRUE(eventually(*s, "pending", "ok 1", 20s)) << dump(*s);
  EXPECT_EQ(command(*r, "run"), "ok");
  EXPECT_TRUE(has_line(*r, "recv to=R from=S data=queued")) << dump(*r);

  EXPECT_EQ(command(*s, "quit"), "ok");
  EXPECT_EQ(command(*r, "quit"), "ok");
  EXPECT_EQ(s->wait_exit(), 0) << dump(*s);
  EXPECT_EQ(r->wait_exit(), 0) << dump(*r);
}

INSTANTIATE_TEST_SUITE_P(servers, store_fault_server_test, ::testing::Values("postgres", "redis"),
                         [](const auto& info) { return info.param; });

// -- peers killed or stopped and started again: SQLite and the shared PostgreSQL -----

class store_fault_restart_test : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override { db = make_test_database(GetParam()); }

  std::unique_ptr<peer_process> start(const std::string& name, const std::string& topic,
                                      const std::vector<std::string>& extra = {}) {
    return start_peer(db->kind(), db->location(), name, topic, extra);
  }

  /// Starts listener "r" (topic R) and sender "s" (topic S) and has s
  /// deliver one at-least-once message to R, so that s has a route to r.
  void start_connected_pair(std::unique_ptr<peer_process>& r, std::unique_ptr<peer_process>& s) {
    r = start("r", "R");
    ASSERT_TRUE(r);
    s = start("s", "S");
    ASSERT_TRUE(s);
    EXPECT_EQ(command(*s, "send R before alo"), "ok");
    ASSERT_TRUE(has_line(*r, "recv to=R from=S data=before")) << dump(*r);
  }

  std::unique_ptr<test_database> db;
};

// Fault 3. Both peers die with SIGKILL (their catalog rows stay behind) and
// come back on new ports. Messages sent after the restart, either way, must
// all arrive: a route must not stick to a dead address.
//
// The ports are chosen so that each dead address sorts before the new one
// (the catalog lists a topic's addresses in text order): a client that
// simply takes the first address it finds meets the dead one.
TEST_P(store_fault_restart_test, both_peers_killed_and_restarted_on_new_ports_exchange_messages) {
  const long n = 20;
  std::set<int> picked;
  while (picked.size() < 4)
    picked.insert(free_local_port());
  std::vector<int> ports{picked.begin(), picked.end()}; // ascending
  auto bind = [](int port) { return "127.0.0.1:" + std::to_string(port); };
  ASSERT_EQ(bind(ports[0]).size(), bind(ports[3]).size()) << "text order differs from port order";

  auto r1 = start("r", "R", {"--bind", bind(ports[0])});
  ASSERT_TRUE(r1);
  auto s1 = start("s", "S", {"--bind", bind(ports[1])});
  ASSERT_TRUE(s1);
  EXPECT_EQ(command(*s1, "send R before alo"), "ok");
  ASSERT_TRUE(has_line(*r1, "recv to=R from=S data=before")) << dump(*r1);
  EXPECT_EQ(command(*r1, "send S back alo"), "ok");
  ASSERT_TRUE(has_line(*s1, "recv to=S from=R data=back")) << dump(*s1);

  r1->kill(SIGKILL);
  s1->kill(SIGKILL);
  ASSERT_EQ(r1->wait_exit(), 128 + SIGKILL);
  ASSERT_EQ(s1->wait_exit(), 128 + SIGKILL);

  auto r2 = start("r", "R", {"--bind", bind(ports[2])});
  ASSERT_TRUE(r2);
  auto s2 = start("s", "S", {"--bind", bind(ports[3])});
  ASSERT_TRUE(s2);

  const auto count = std::to_string(n);
  EXPECT_EQ(command(*s2, "send-many R a- " + count + " alo"), "ok " + count);
  EXPECT_EQ(command(*r2, "send-many S b- " + count + " alo"), "ok " + count);
  wait_received(*r2, "R", "S", "a-", range(n));
  wait_received(*s2, "S", "R", "b-", range(n));
  auto lost_to_r = lost(range(n), {received(r2->lines(), "R", "S", "a-")});
  auto lost_to_s = lost(range(n), {received(s2->lines(), "S", "R", "b-")});
  EXPECT_TRUE(lost_to_r.empty()) << "s -> r after the restart: " << describe(lost_to_r) << "\n"
                                 << dump(*r2);
  EXPECT_TRUE(lost_to_s.empty()) << "r -> s after the restart: " << describe(lost_to_s) << "\n"
                                 << dump(*s2);

  EXPECT_EQ(command(*s2, "quit"), "ok");
  EXPECT_EQ(command(*r2, "quit"), "ok");
  EXPECT_EQ(s2->wait_exit(), 0) << dump(*s2);
  EXPECT_EQ(r2->wait_exit(), 0) << dump(*r2);
}

// Fault 4. The listener stops cleanly (it leaves the catalog); the sender is
// restarted meanwhile. The new sender process must still accept
// at-least-once messages for the listener's topic (it has sent there
// before), and they arrive once the listener is back.
TEST_P(store_fault_restart_test, restarted_sender_queues_for_a_stopped_listener) {
  const long n = 10;
  std::unique_ptr<peer_process> r1, s1;
  ASSERT_NO_FATAL_FAILURE(start_connected_pair(r1, s1));

  EXPECT_EQ(command(*r1, "quit"), "ok"); // stops: unregisters, says goodbye
  ASSERT_EQ(r1->wait_exit(), 0) << dump(*r1);
  EXPECT_EQ(command(*s1, "quit"), "ok");
  ASSERT_EQ(s1->wait_exit(), 0) << dump(*s1);

  auto s2 = start("s", "S");
  ASSERT_TRUE(s2);
  EXPECT_EQ(command(*s2, "send-many R q- " + std::to_string(n) + " alo"),
            "ok " + std::to_string(n));

  auto r2 = start("r", "R");
  ASSERT_TRUE(r2);
  wait_received(*r2, "R", "S", "q-", range(n));
  auto missing = lost(range(n), {received(r2->lines(), "R", "S", "q-")});
  EXPECT_TRUE(missing.empty()) << describe(missing) << "\n" << dump(*r2);

  EXPECT_EQ(command(*s2, "quit"), "ok");
  EXPECT_EQ(command(*r2, "quit"), "ok");
  EXPECT_EQ(s2->wait_exit(), 0) << dump(*s2);
  EXPECT_EQ(r2->wait_exit(), 0) << dump(*r2);
}

// A long stored queue: 50,000 at-least-once messages of 1 KiB (50 MiB)
// queued while the listener is stopped; the sender restarts (so all of it
// is in the store, none in its memory) and drains it when the listener runs
// again. Every message arrives, in order, once, and the sender's peak memory
// grows by less than twice the queue: it replays the queue in pages instead
// of reading it whole.
TEST_P(store_fault_restart_test, a_long_stored_queue_drains_in_order_through_bounded_memory) {
  const long n = 50000;
  const long kib = 1024;
  small_asan_quarantine_in_children(); // the memory bound is liner-caf's
  std::unique_ptr<peer_process> r1, s1;
  ASSERT_NO_FATAL_FAILURE(start_connected_pair(r1, s1));
  EXPECT_EQ(command(*r1, "quit"), "ok");
  ASSERT_EQ(r1->wait_exit(), 0) << dump(*r1);

  EXPECT_EQ(command(*s1, "send-many R q- " + std::to_string(n) + " alo 1024"),
            "ok " + std::to_string(n));
  EXPECT_TRUE(eventually(*s1, "pending", "ok " + std::to_string(n), 60s)) << dump(*s1);
  EXPECT_EQ(command(*s1, "quit"), "ok");
  ASSERT_EQ(s1->wait_exit(), 0) << dump(*s1);

  auto s2 = start("s", "S");
  ASSERT_TRUE(s2);
  auto peak_before = hwm_kb(*s2);
  auto r2 = start("r", "R");
  ASSERT_TRUE(r2);
  wait_received(*r2, "R", "S", "q-", range(n), 120s);
  auto growth = hwm_kb(*s2) - peak_before;
  auto got = received(r2->lines(), "R", "S", "q-");
  std::cout << "[ figures  ] drain of " << n << " x 1 KiB: sender peak grew " << growth / kib
            << " MiB; " << got.size() << " received\n";

  std::vector<long> expected(n);
  for (long i = 0; i < n; ++i)
    expected[i] = i;
  EXPECT_TRUE(got == expected) << got.size() << " received; first out of order or repeated at "
                               << (std::mismatch(got.begin(), got.end(), expected.begin(),
                                                 expected.end()).first - got.begin());
  // Read whole, the queue grew the sender by 4.7 times its size (235 MiB);
  // in pages by 13 MiB (37 to 64 MiB under AddressSanitizer, whose shadow
  // memory and redzones count too).
  EXPECT_LT(growth, 2 * n) << "sender peak memory growth in KiB during the drain";
  EXPECT_TRUE(eventually(*s2, "pending", "ok 0", 30s)) << "acked frames left in the store";

  EXPECT_EQ(command(*s2, "quit"), "ok");
  EXPECT_EQ(command(*r2, "quit"), "ok");
  EXPECT_EQ(s2->wait_exit(), 0) << dump(*s2);
  EXPECT_EQ(r2->wait_exit(), 0) << dump(*r2);
}

INSTANTIATE_TEST_SUITE_P(backends, store_fault_restart_test,
                         ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });

// -- a SQLite file locked by another process ---------------------------------------------

// Fault 5. Another process holds BEGIN EXCLUSIVE on the file. Calls that
// write must fail with LNR_ERR_STORE (not hang) and work again once the lock
// is gone; at-least-once messages accepted meanwhile for a listener that
// died must not be lost (saving them fails while the lock is held).
TEST(store_fault_sqlite_lock_test, locked_file_fails_calls_and_loses_no_accepted_message) {
  const long n = 50;
  temp_dir dir;
  const std::string path = dir.path() + "/liner.db";
  auto r1 = start_peer("sqlite", path, "r", "R");
  ASSERT_TRUE(r1);
  auto s = start_peer("sqlite", path, "s", "S", {"--status"});
  ASSERT_TRUE(s);
  EXPECT_EQ(command(*s, "send R before alo"), "ok");
  ASSERT_TRUE(has_line(*r1, "recv to=R from=S data=before")) << dump(*r1);

  // The listener dies; the sender notices (LNR_SENDER_ROUTE_LOST) and saves
  // what it had unacked while the file is still free ("pending" is answered
  // after that save: the store runs one job at a time, in order).
  r1->kill(SIGKILL);
  ASSERT_EQ(r1->wait_exit(), 128 + SIGKILL);
  s->wait_for_prefix("status 5 ");
  command(*s, "pending");

  peer_process lock{{LINER_SQLITE_LOCK_BIN, path}};
  ASSERT_EQ(lock.wait_for_prefix("").value_or("(nothing)"), "locked");

  auto answer = command(*s, "subscribe news");
  EXPECT_TRUE(starts_with(answer, "err 7 ") && answer.size() > 6)
    << "subscribe while the file is locked answered: " << answer;

  EXPECT_EQ(command(*s, "send-many R q- " + std::to_string(n) + " alo"), "ok " + std::to_string(n));
  // Let the sender try to save them under the lock: a failed connect
  // attempt after the sends puts them up for saving, and "pending" answers
  // once that save was tried. Only waits.
  s->wait_for_prefix("status 5 ");
  command(*s, "pending");

  EXPECT_TRUE(lock.send_line("release"));
  EXPECT_EQ(lock.wait_for_prefix("").value_or("(nothing)"), "released");
  EXPECT_EQ(lock.wait_exit(), 0);

  EXPECT_EQ(command(*s, "subscribe news"), "ok") << "after the lock was released";
  auto r2 = start_peer("sqlite", path, "r", "R");
  ASSERT_TRUE(r2);
  wait_received(*r2, "R", "S", "q-", range(n));
  auto missing = lost(range(n), {received(r2->lines(), "R", "S", "q-")});
  EXPECT_TRUE(missing.empty()) << describe(missing) << "\n" << dump(*r2) << dump(*s);

  EXPECT_EQ(command(*s, "quit"), "ok");
  EXPECT_EQ(command(*r2, "quit"), "ok");
  EXPECT_EQ(s->wait_exit(), 0) << dump(*s);
  EXPECT_EQ(r2->wait_exit(), 0) << dump(*r2);
}

} // namespace
