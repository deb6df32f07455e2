#include "catalog.hpp"

#include "workload.hpp"

namespace bench {

namespace {

constexpr bool higher = true, lower = false, shown = true, hidden = false;

figure_info peak_rss(bool in_table) {
  return {"peak_rss_mib", "peak RSS", "MiB", lower, in_table};
}

std::vector<figure_info> throughput_figures(bool rss, bool per_message) {
  return {{"msg_per_s", "throughput", "msg/s", higher, shown},
          {"mb_per_s", "bandwidth", "MB/s", higher, !per_message},
          {"us_per_msg", "per message", "µs/msg", lower, per_message},
          {"send_ns", "send call", "ns/msg", lower, !per_message},
          peak_rss(rss)};
}

const char* const pair_help =
  "Client A sends --count messages of --size bytes to client B with send_to (best effort; --alo "
  "for at-least-once), both clients in one process. A warm-up (not timed) sends until one message "
  "arrived, so the route is up. Timed from the first send to the last receive. The sender retries "
  "while the library answers busy. Figures: msg/s, MB/s, send-call time per message (time until "
  "the last send_to returned / count: the per-call overhead of lnr_send_to against C++ send_to), "
  "peak RSS; lost and out-of-order messages make the run fail (order is checked from 8 bytes "
  "up, where the payload carries a sequence number). Default sizes 100, 1024, 65536 with counts "
  "100000, 100000, 10000. ZeroMQ: PUSH -> PULL over tcp.";

const char* const burst_help =
  "The pair at 1 KiB with --count/10 and --count messages (default 10000 and 100000): the cost "
  "per message of each shows how much of a burst is fixed cost. ZeroMQ: PUSH -> PULL.";

const char* const pingpong_help =
  "A sends --size bytes to B; B's receive callback sends them back to A's topic; A's callback "
  "wakes the sender, which sends the next. --count round trips (default 20000) after count/20 "
  "discarded warm-up ones. Figures: p50, p99, p99.9 and mean round trip in µs. ZeroMQ: PAIR <-> "
  "PAIR over tcp, the echo on its own thread, one context each.";

const char* const fanout_help =
  "One sender, --peers subscribers (default 8) of one topic; the sender send_all()s --count "
  "messages of --size bytes (default 100 B). Subscriptions settle before timing (warm-up "
  "messages until every subscriber got one). Figure: deliveries/s (= peers x messages / time). "
  "ZeroMQ: XPUB with XPUB_NODROP and a blocking send (libzmq waits at the high-water mark "
  "instead of dropping, like our busy retry), one SUB per subscriber, each with its own context "
  "and thread.";

const char* const manytoone_help =
  "--peers senders (default 8), each its own client and thread, send --count messages each to "
  "one receiver. Figure: deliveries/s. ZeroMQ: one PUSH per sender -> one PULL.";

const char* const durable_help =
  "--peers threads (default 8) of one client A send --count at-least-once messages each "
  "(default 20000, 100 B) to one receiver, once in durable mode (every send returns once its "
  "message is in the store; the threads' sends share transactions) and once without it, on "
  "SQLite and PostgreSQL: the ratio is what durability costs. Figures: deliveries/s (all "
  "messages, from the first send to the last arrival), A's rows left in the store after the "
  "last arrival (pending_after). Liner 1.4.1 has no durable mode (unsupported); its row without "
  "durable mode runs. No ZeroMQ equivalent.";

const char* const alo_help =
  "The at-least-once pair at 1 KiB, --count messages (default 100000), on SQLite and on "
  "PostgreSQL (--store; PostgreSQL needs --pg-url). No ZeroMQ equivalent.";

const char* const mesh_help =
  "--peers peers (default 2,4,8,16,32,64), each its own client with topic peer-i, on one shared "
  "store. Setup: create and run all until every peer has received a message from every other "
  "(setup time; RSS after setup / peers, and the growth over the RSS before / peers). Then every "
  "peer sends --count messages (default 200) to every other peer from its own thread: "
  "deliveries/s. No ZeroMQ equivalent.";

const char* const drain_help =
  "Offline queue drain: listener B runs once (the store and A's route know it), then stops; A "
  "sends --count at-least-once messages (default 1000000) to B's topic while B is away and the "
  "queue goes to the store (waited for with pending_count, at most a minute); then B runs again "
  "on the same port. Figures: drain time (B's run to the last message), drain rate, peak RSS of "
  "the process. No ZeroMQ equivalent.";

const char* const reconnect_help =
  "A sends best-effort to B about every 100 µs; B stops and runs again on the same port, "
  "--count times (default 20). Figure: time from B's run() returning to the first message "
  "received after it, median and max. ZeroMQ: a PUSH connected to a PULL that is closed and "
  "bound again (libzmq reconnects by itself; ZMQ_RECONNECT_IVL default 100 ms).";

const char* const first_help =
  "Time from run to first message: B runs; the clock starts just before A is created; A runs and "
  "sends one at-least-once message to B's topic as soon as run returns (retrying every 1 ms "
  "while the send fails, e.g. no address yet); it stops when B receives. --count repeats "
  "(default 20) with new clients each time. Figures: median and max in ms. ZeroMQ: new context, "
  "PUSH connect, send -> received at a bound PULL.";

const char* const discovery_help =
  "PostgreSQL only. B1 has topic T, B2 subscribes to T, A sends best-effort probes to T about "
  "every 100 µs (round robin), each carrying its send time. Then, --count times (default 20): "
  "B2's catalog row for T is deleted by SQL, behind every client's back (delete: the last probe "
  "B2 received was sent this long after the commit), and inserted again (insert: the first probe "
  "B2 received after the commit was sent this long after it). Figures: median and max in ms. A "
  "change that never reaches the sender fails the run. No ZeroMQ equivalent.";

const char* const publish_help =
  "PostgreSQL only. B listens to topic T; --peers clients run in all (B and the others), each of "
  "them relaying the mesh's outbox. First 20 single rows, one transaction each (SELECT "
  "liner_publish(T, ...)): commit to arrival at B, median and max. Then --count rows (default "
  "20000, 8 B) published in one transaction: rows delivered per second from the commit to the "
  "last arrival (each row reaches B once; duplicates are counted). Liner 1.4.1 cannot publish "
  "from SQL (unsupported). No ZeroMQ equivalent.";

std::vector<workload_info> make_catalog() {
  std::vector<figure_info> latency = {{"rtt_p50_us", "p50", "µs", lower, shown},
                                      {"rtt_p99_us", "p99", "µs", lower, shown},
                                      {"rtt_p999_us", "p99.9", "µs", lower, shown},
                                      {"rtt_mean_us", "mean", "µs", lower, shown},
                                      peak_rss(hidden)};
  std::vector<figure_info> deliveries = {{"deliveries_per_s", "deliveries", "msg/s", higher, shown},
                                         {"send_ns", "send call", "ns/msg", lower, hidden},
                                         peak_rss(hidden)};
  return {
    {"pair", "one-to-one throughput, send_to (sizes 100 B, 1 KiB, 64 KiB)", pair_help, pair,
     zmq_pair, {100, 1024, 65536}, 100000, 5000, {}, {}, delivery::chosen, {"sqlite"},
     throughput_figures(true, false)},
    {"burst", "pair at 1 KiB with count/10 and count messages: fixed cost per burst", burst_help,
     pair, zmq_pair, {1024}, 100000, 10000, {}, {}, delivery::chosen, {"sqlite"},
     throughput_figures(false, true)},
    {"pingpong", "round-trip latency, echo from the receive callback", pingpong_help, pingpong,
     zmq_pingpong, {100}, 20000, 2000, {}, {}, delivery::chosen, {"sqlite"}, latency},
    {"fanout", "one sender, N subscribers, send_all", fanout_help, fanout, zmq_fanout, {100},
     20000, 1000, {8}, {8}, delivery::chosen, {"sqlite"}, deliveries},
    {"manytoone", "N senders (own client and thread) to one receiver", manytoone_help, manytoone,
     zmq_manytoone, {100}, 20000, 1000, {8}, {8}, delivery::chosen, {"sqlite"}, deliveries},
    {"alo", "at-least-once pair at 1 KiB on SQLite, PostgreSQL and Redis", alo_help, pair, nullptr,
     {1024}, 100000, 2000, {}, {}, delivery::at_least_once, {"sqlite", "postgres", "redis"},
     throughput_figures(true, false)},
    {"durable", "durable at-least-once: N threads of one client, with and without durable mode",
     durable_help, durable, nullptr, {100}, 20000, 1000, {8}, {8}, delivery::at_least_once,
     {"sqlite", "postgres"}, deliveries},
    {"mesh", "N peers all to all on one store: setup time, RSS per peer, throughput", mesh_help,
     mesh, nullptr, {100}, 200, 20, {2, 4, 8, 16, 32, 64}, {2, 4}, delivery::chosen, {"sqlite"},
     {{"setup_ms", "setup", "ms", lower, shown},
      {"rss_per_peer_kib", "RSS / peers", "KiB", lower, shown},
      {"rss_growth_per_peer_kib", "RSS growth / peer", "KiB", lower, shown},
      {"deliveries_per_s", "deliveries", "msg/s", higher, shown},
      peak_rss(shown)}},
    {"drain", "offline at-least-once queue drained when the listener comes back", drain_help,
     drain, nullptr, {100}, 1000000, 10000, {}, {}, delivery::at_least_once, {"sqlite"},
     {{"drain_s", "drain time", "s", lower, shown},
      {"drain_msg_per_s", "drain rate", "msg/s", higher, shown},
      {"store_wait_s", "until stored", "s", lower, hidden},
      {"send_ns", "send call", "ns/msg", lower, hidden},
      peak_rss(shown)}},
    {"reconnect", "listener restart: its run() to the first message after it", reconnect_help,
     reconnect, zmq_reconnect, {100}, 20, 3, {}, {}, delivery::best_effort, {"sqlite"},
     {{"reconnect_p50_ms", "median", "ms", lower, shown},
      {"reconnect_max_ms", "max", "ms", lower, shown},
      {"stop_p50_ms", "stop() median", "ms", lower, hidden},
      peak_rss(hidden)}},
    {"discovery", "a catalog row changed by SQL: time until a running sender follows it",
     discovery_help, discovery, nullptr, {16}, 20, 3, {}, {}, delivery::best_effort,
     {"postgres"},
     {{"delete_p50_ms", "delete, median", "ms", lower, shown},
      {"delete_max_ms", "delete, max", "ms", lower, shown},
      {"insert_p50_ms", "insert, median", "ms", lower, shown},
      {"insert_max_ms", "insert, max", "ms", lower, shown},
      peak_rss(hidden)}},
    {"publish", "rows published from SQL (liner_publish) delivered by the relaying clients",
     publish_help, publish, nullptr, {8}, 20000, 2000, {1, 3}, {1}, delivery::at_least_once,
     {"postgres"},
     {{"rows_per_s", "rows delivered", "rows/s", higher, shown},
      {"single_p50_ms", "one row, median", "ms", lower, shown},
      {"single_max_ms", "one row, max", "ms", lower, hidden},
      {"commit_ms", "INSERT + commit", "ms", lower, hidden},
      peak_rss(hidden)}},
    {"first", "new client: run to first message received", first_help, first, zmq_first, {100},
     20, 3, {}, {}, delivery::at_least_once, {"sqlite"},
     {{"first_p50_ms", "median", "ms", lower, shown},
      {"first_max_ms", "max", "ms", lower, shown},
      {"create_p50_ms", "create median", "ms", lower, hidden},
      {"run_p50_ms", "run median", "ms", lower, hidden},
      peak_rss(hidden)}},
  };
}

} // namespace

const std::vector<workload_info>& workloads() {
  static const std::vector<workload_info> all = make_catalog();
  return all;
}

const workload_info* find_workload(const std::string& name) {
  for (auto& w : workloads())
    if (w.name == name)
      return &w;
  return nullptr;
}

figure_info describe_figure(const workload_info& w, const std::string& key) {
  for (auto& f : w.figures)
    if (f.key == key)
      return f;
  if (key == "peak_rss_mib")
    return peak_rss(false);
  return {key, key, "", true, false};
}

} // namespace bench
