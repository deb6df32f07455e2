// liner-demo: a guided tour of liner-caf, run by scripts/demo.
//
// Several liner::Client objects in this process share one embedded SQLite
// store (the catalog of who serves which topic) in a temporary folder and
// talk to each other directly over TCP on 127.0.0.1:
//
//   a. one-to-one     alice sends 1000 messages to bob
//   b. round robin    dispatcher sends 300 jobs; three workers share them
//   c. broadcast      publisher send_all()s 100 news items to three readers
//   d. offline peer   sender queues 500 at-least-once messages for an archive
//                     that is stopped; the archive comes back and gets them
//   e. throughput     1,000,000 best-effort messages of 100 bytes
//
// Every payload starts with its sequence number (1, 2, ...), so the demo can
// tell whether anything was lost, duplicated or reordered. Exit status 0
// means every check passed.
#include <liner/client.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
using ClientPtr = std::unique_ptr<liner::Client>;
constexpr auto part_deadline = std::chrono::seconds(30); // generous: a part takes well under 1 s

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// -- Inbox: what every receiver got (to, from, sequence number), in arrival order.
// Receive callbacks run on each client's delivery thread, so all of it sits
// behind one mutex, and the main thread waits on a condition variable.
class Inbox {
public:
  struct Message {
    std::string_view to, from; // interned: 1,000,000 messages need no 2,000,000 strings
    uint64_t seq;
  };

  // The callback to give Client::run for the receiver called `name`.
  liner::receive_callback receiver(std::string name) {
    return
      [this, name](std::string_view to, std::string_view from, const char* data, std::size_t size) {
        uint64_t seq = 0;
        if (size >= sizeof seq)
          std::memcpy(&seq, data, sizeof seq);
        std::lock_guard<std::mutex> lock{mutex_};
        messages_[name].push_back({intern(to), intern(from), seq});
        ++total_;
        arrived_.notify_all();
      };
  }

  // Waits until `total` messages have arrived, at most `deadline`.
  bool wait_for(std::size_t total, Clock::duration deadline = part_deadline) {
    std::unique_lock<std::mutex> lock{mutex_};
    return arrived_.wait_for(lock, deadline, [&] { return total_ >= total; });
  }

  std::vector<Message> of(const std::string& name) const {
    std::lock_guard<std::mutex> lock{mutex_};
    auto it = messages_.find(name);
    return it == messages_.end() ? std::vector<Message>{} : it->second;
  }

private:
  std::string_view intern(std::string_view s) {
    auto it = names_.find(s);
    return it != names_.end() ? *it : *names_.emplace(s).first;
  }

  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::set<std::string, std::less<>> names_;
  std::map<std::string, std::vector<Message>> messages_;
  std::size_t total_ = 0;
};

// -- Summary: one row per receiver, and the list of everything that failed.
struct Row {
  std::string part, receiver, topic, from; // topic and from: as seen in the messages
  std::size_t got = 0, expected = 0;
  bool in_order = true;
  std::optional<long> lost, duplicates; // per stream: only on its first row
  std::optional<double> rate;
};

std::string join(const std::set<std::string_view>& names) {
  std::string out;
  for (auto& n : names)
    out += (out.empty() ? "" : ",") + std::string(n);
  return out;
}

struct Summary {
  std::vector<Row> rows;
  std::vector<std::string> failures;

  void fail(const std::string& part, const std::string& what) {
    failures.push_back(part + ": " + what);
  }

  // Checks one stream: messages 1..sent from `from` to `topic`, shared by the
  // receivers `who` (each should get sent / who.size() of them, in order).
  void check(const std::string& part, const Inbox& inbox, const std::vector<std::string>& who,
             const std::string& topic, const std::string& from, uint64_t sent,
             std::optional<double> rate = std::nullopt) {
    std::vector<uint32_t> seen(sent + 1, 0); // how often each number 1..sent arrived
    long strays = 0;                         // numbers that were never sent
    auto first = rows.size();
    for (auto& name : who)
      rows.push_back(
        tally(part, inbox.of(name), name, topic, from, sent / who.size(), seen, strays));
    long lost = std::count(seen.begin() + 1, seen.end(), 0u), duplicates = strays;
    for (auto n : seen)
      duplicates += n > 1 ? n - 1 : 0;
    rows[first].lost = lost;
    rows[first].duplicates = duplicates;
    rows.back().rate = rate;
    if (lost > 0)
      fail(part, std::to_string(lost) + " of " + std::to_string(sent) + " messages lost");
    if (duplicates > 0)
      fail(part, std::to_string(duplicates) + " duplicates");
  }

  // One receiver's row; adds its sequence numbers to `seen` (or `strays`).
  Row tally(const std::string& part, const std::vector<Inbox::Message>& got,
            const std::string& name, const std::string& topic, const std::string& from,
            std::size_t expected, std::vector<uint32_t>& seen, long& strays) {
    Row row{part, name, "-", "-", got.size(), expected, true, {}, {}, {}};
    std::set<std::string_view> tos, froms;
    uint64_t last = 0;
    long misaddressed = 0;
    for (auto& m : got) {
      row.in_order = row.in_order && m.seq > last;
      last = m.seq;
      misaddressed += m.to != topic || m.from != from;
      tos.insert(m.to), froms.insert(m.from);
      (m.seq >= 1 && m.seq < seen.size()) ? ++seen[m.seq] : ++strays;
    }
    if (!got.empty())
      row.topic = join(tos), row.from = join(froms);
    if (row.got != expected)
      fail(part, name + " got " + std::to_string(row.got) + " of " + std::to_string(expected));
    if (!row.in_order)
      fail(part, name + " got messages out of order");
    if (misaddressed > 0)
      fail(part, name + " got " + std::to_string(misaddressed) + " messages not to '" + topic
                   + "' from '" + from + "'");
    return row;
  }

  void print() const {
    auto num = [](const std::optional<long>& v) { return v ? std::to_string(*v) : std::string{}; };
    std::printf("\n%-16s %-9s %-8s %-16s %-11s %-8s %5s %5s %10s\n", "part", "receiver", "topic",
                "received", "from", "in order", "lost", "dup", "msg/s");
    for (auto& r : rows) {
      auto got = std::to_string(r.got) + "/" + std::to_string(r.expected);
      auto rate = r.rate ? std::to_string(std::llround(*r.rate)) : std::string{};
      std::printf("%-16s %-9s %-8s %-16s %-11s %-8s %5s %5s %10s\n", r.part.c_str(),
                  r.receiver.c_str(), r.topic.c_str(), got.c_str(), r.from.c_str(),
                  r.in_order ? "yes" : "no", num(r.lost).c_str(), num(r.duplicates).c_str(),
                  rate.c_str());
    }
    if (failures.empty())
      std::printf("\nOK: nothing lost, nothing duplicated, everything in order.\n");
    else
      std::printf("\nFAILED:\n");
    for (auto& f : failures)
      std::printf("  - %s\n", f.c_str());
  }
};

// -- Clients, sending and waiting.

// One client on the shared store, listening on a free port of 127.0.0.1.
ClientPtr make_client(const std::string& db, const std::string& name, const std::string& topic) {
  std::string error;
  auto c = liner::Client::create_sqlite(name, topic, "127.0.0.1:0", db, "", &error);
  if (!c)
    throw std::runtime_error("cannot create client " + name + ": " + error);
  return c;
}

void start(liner::Client& c, liner::receive_callback on_receive = nullptr) {
  if (!on_receive) // a client that only sends still needs a callback
    on_receive = [](std::string_view, std::string_view, const char*, std::size_t) {};
  if (!c.run(std::move(on_receive)))
    throw std::runtime_error(c.unique_name() + ": run failed: " + c.last_error_message());
}

enum class Fanout { one, all }; // send_to (one address, round robin) or send_all

// Sends message number `seq`, padded to `size` bytes. send_to's "busy" (the
// send queue is full) is back-pressure: try again. Anything else is an error.
void send(liner::Client& c, const std::string& topic, uint64_t seq, Fanout fanout = Fanout::one,
          bool at_least_once = true, std::size_t size = 16) {
  std::string payload(std::max(size, sizeof seq), '.');
  std::memcpy(payload.data(), &seq, sizeof seq);
  for (;;) {
    bool ok = fanout == Fanout::one
                ? c.send_to(topic, payload.data(), payload.size(), at_least_once)
                : c.send_all(topic, payload.data(), payload.size(), at_least_once);
    if (ok)
      return;
    if (fanout == Fanout::all || c.last_error() != liner::error_code::busy)
      throw std::runtime_error(c.unique_name() + ": sending #" + std::to_string(seq) + " to "
                               + topic + " failed: " + c.last_error_message());
    std::this_thread::yield();
  }
}

// Waits for `total` messages and says how long that took.
void await(Inbox& inbox, std::size_t total, Clock::time_point since) {
  bool all = inbox.wait_for(total);
  std::printf("   %s after %.0f ms\n", all ? "all arrived" : "GAVE UP waiting",
              1000 * seconds_since(since));
}

// Clients called `names` (each with its own topic), receiving into `inbox`,
// subscribed to `topic` too.
std::vector<ClientPtr> subscribers(const std::string& db, const std::vector<std::string>& names,
                                   const std::string& topic, Inbox& inbox) {
  std::vector<ClientPtr> clients;
  for (auto& name : names) {
    clients.push_back(make_client(db, name, name));
    start(*clients.back(), inbox.receiver(name));
    if (!clients.back()->subscribe(topic))
      throw std::runtime_error(name
                               + ": subscribe failed: " + clients.back()->last_error_message());
  }
  return clients;
}

// Polls the sender's offline-queue size until `done` says so (or 10 s pass).
int64_t pending_until(liner::Client& c, const std::function<bool(int64_t)>& done) {
  auto until = Clock::now() + std::chrono::seconds(10);
  int64_t n = c.pending_count();
  while (!done(n) && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    n = c.pending_count();
  }
  return n;
}

// -- The parts.

void one_to_one(const std::string& db, Summary& summary) {
  std::printf("\na. one-to-one: alice sends 1000 messages to topic \"bob\"\n");
  Inbox inbox; // declared before the clients, so it outlives their callbacks
  auto alice = make_client(db, "alice", "alice"), bob = make_client(db, "bob", "bob");
  start(*bob, inbox.receiver("bob"));
  start(*alice);
  auto t0 = Clock::now();
  for (uint64_t i = 1; i <= 1000; ++i)
    send(*alice, "bob", i);
  await(inbox, 1000, t0);
  alice->stop(); // stop() waits for deliveries in flight: the inbox is final now
  bob->stop();
  summary.check("a one-to-one", inbox, {"bob"}, "bob", "alice", 1000);
}

void round_robin(const std::string& db, Summary& summary) {
  std::printf("\nb. round robin: three workers subscribe to \"jobs\"; dispatcher sends 300\n");
  Inbox inbox;
  std::vector<std::string> names{"worker-1", "worker-2", "worker-3"};
  auto workers = subscribers(db, names, "jobs", inbox);
  auto dispatcher = make_client(db, "dispatcher", "dispatcher");
  start(*dispatcher);
  auto addrs = dispatcher->list_addresses("jobs").value_or(std::vector<liner::address_entry>{});
  std::printf("   the catalog lists %zu addresses for \"jobs\":", addrs.size());
  for (auto& a : addrs)
    std::printf(" %s (%s)", a.addr.c_str(), a.unique_name.c_str());
  std::printf("\n");
  auto t0 = Clock::now();
  for (uint64_t i = 1; i <= 300; ++i)
    send(*dispatcher, "jobs", i); // send_to: one copy, to the next address in turn
  await(inbox, 300, t0);
  dispatcher->stop();
  for (auto& w : workers)
    w->stop();
  summary.check("b round robin", inbox, names, "jobs", "dispatcher", 300);
}

void broadcast(const std::string& db, Summary& summary) {
  std::printf("\nc. broadcast: three readers subscribe to \"news\"; publisher send_all()s 100\n");
  Inbox inbox;
  std::vector<std::string> names{"reader-1", "reader-2", "reader-3"};
  auto readers = subscribers(db, names, "news", inbox);
  auto publisher = make_client(db, "publisher", "publisher");
  start(*publisher);
  auto t0 = Clock::now();
  for (uint64_t i = 1; i <= 100; ++i)
    send(*publisher, "news", i, Fanout::all); // one copy for every address of "news"
  await(inbox, 300, t0);
  publisher->stop();
  for (auto& r : readers)
    r->stop();
  for (auto& name : names) // each reader is a stream of its own
    summary.check("c broadcast", inbox, {name}, "news", "publisher", 100);
}

void offline_peer(const std::string& db, Summary& summary) {
  std::printf("\nd. at-least-once: 500 messages for \"archive\" while it is offline\n");
  Inbox first_run, inbox;
  auto archive = make_client(db, "archive", "archive"),
       sender = make_client(db, "sender", "sender");
  start(*archive, first_run.receiver("archive"));
  start(*sender);
  // A sender remembers the peers it has reached; one message teaches it the route.
  send(*sender, "archive", 0);
  if (!first_run.wait_for(1))
    throw std::runtime_error("archive never got the first message (#0)");
  std::printf("   archive is online and got message #0 from sender; archive stops now\n");
  archive->stop();
  for (uint64_t i = 1; i <= 500; ++i)
    send(*sender, "archive", i); // true means queued, not delivered
  std::printf("   sender: 500 x send_to(\"archive\") returned true (queued)\n");
  auto pending = pending_until(*sender, [](int64_t n) { return n != 0; });
  std::printf("   sender.pending_count() = %lld (messages waiting in the store for archive)\n",
              static_cast<long long>(pending));
  auto t0 = Clock::now();
  start(*archive, inbox.receiver("archive")); // the same Client object, run() again
  std::printf("   archive runs again\n");
  await(inbox, 500, t0);
  pending = pending_until(*sender, [](int64_t n) { return n == 0; });
  std::printf("   sender.pending_count() = %lld\n", static_cast<long long>(pending));
  sender->stop();
  archive->stop();
  summary.check("d offline peer", inbox, {"archive"}, "archive", "sender", 500);
}

// Progress on stderr: redrawn in place on a terminal, a line per 25% otherwise.
void show_progress(int percent) {
  static const bool tty = isatty(STDERR_FILENO);
  if (tty) {
    int cells = percent / 5;
    std::fprintf(stderr, "\r   [%s%s] %3d%%%s", std::string(cells, '#').c_str(),
                 std::string(20 - cells, '.').c_str(), percent, percent == 100 ? "\n" : "");
  } else if (percent % 25 == 0) {
    std::fprintf(stderr, "   throughput: %d%% done\n", percent);
  }
}

void throughput(const std::string& db, Summary& summary) {
  constexpr uint64_t total = 1000000, chunks = 20, chunk = total / chunks;
  std::printf(
    "\ne. throughput: source sends 1,000,000 best-effort messages of 100 bytes to sink\n");
  Inbox inbox;
  auto source = make_client(db, "source", "source"), sink = make_client(db, "sink", "sink");
  start(*sink, inbox.receiver("sink"));
  start(*source);
  auto t0 = Clock::now();
  uint64_t seq = 0;
  bool all = true;
  for (uint64_t c = 1; c <= chunks && all; ++c) {
    while (seq < c * chunk)
      send(*source, "sink", ++seq, Fanout::one, /*at_least_once=*/false, 100);
    if ((all = inbox.wait_for(c * chunk)))
      show_progress(static_cast<int>(c * 100 / chunks));
  }
  double secs = seconds_since(t0), rate = seq / secs;
  std::printf("   %s after %.0f ms: %.0f messages/s\n", all ? "all arrived" : "GAVE UP waiting",
              1000 * secs, rate);
  source->stop();
  sink->stop();
  summary.check("e throughput", inbox, {"sink"}, "sink", "source", seq, rate); // seq: sent so far
}

// A fresh folder for the store, removed at the end.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/liner-demo-XXXXXX";
    if (!mkdtemp(tmpl))
      throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

} // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // keep stdout and stderr lines in order
  Summary summary;
  try {
    TempDir dir;
    auto db = dir.path + "/liner.db"; // one store for every client: the shared catalog
    std::printf("liner-demo: store %s, clients listen on 127.0.0.1 (free ports)\n", db.c_str());
    for (auto part : {one_to_one, round_robin, broadcast, offline_peer, throughput}) {
      try {
        part(db, summary);
      } catch (const std::exception& e) {
        std::printf("   ERROR: %s\n", e.what());
        summary.failures.push_back(e.what());
      }
    }
  } catch (const std::exception& e) {
    summary.failures.push_back(e.what());
  }
  summary.print();
  return summary.failures.empty() ? 0 : 1;
}
