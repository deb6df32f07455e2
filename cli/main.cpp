// liner: the operator's command for a liner mesh (docs/cli.md). The
// command line is CLI11's; each subcommand is a function of commands.hpp.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/failure.hpp"
#include "capi_version.hpp"

using namespace liner::cli;

namespace {

const char* footer = R"(Exit codes: 0 done, 1 the command found or met a problem, 2 bad arguments,
3 the store cannot be reached or is not a liner store.
The store is a SQLite file or a PostgreSQL URL (postgresql://... or key=value;
"postgresql://" alone means libpq's PG* variables); LINER_NAMESPACE and the
URL's options=-cliner.namespace=NAME select a mesh's namespace, as in the library.)";

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"liner: look into and work with a liner mesh through its store.", "liner"};
  app.footer(footer);
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", LINER_CAPI_VERSION);

  context cx;
  cx.out = &std::cout;
  long long timeout_ms = cx.timeout.count(), probe_ms = cx.probe.count();
  app.add_option("--store", cx.store, "SQLite file or PostgreSQL URL of the mesh")
    ->envname("LINER_STORE");
  app.add_flag("--json", cx.json, "print one JSON document (listen: one JSON object per message)");
  app.add_option("--timeout-ms", timeout_ms, "store calls and waits (send: for the ack)")
    ->capture_default_str()->check(CLI::Range(1LL, 3600000LL));
  app.add_option("--probe-ms", probe_ms, "how long one address probe waits for a connection")
    ->capture_default_str()->check(CLI::Range(1LL, 600000LL));

  bool probe = true, internal = false;
  auto* peers_cmd = app.add_subcommand("peers", "who is registered, at which address, for which "
                                                "topics, and whether the address answers now");
  peers_cmd->add_flag("!--no-probe", probe, "do not probe the addresses");
  peers_cmd->add_flag("--internal", internal, "show the internal channel topic too");

  auto* topics_cmd = app.add_subcommand("topics", "each topic with its addresses and clients");
  topics_cmd->add_flag("--internal", internal, "show the internal channel topic too");

  auto* catalog_cmd = app.add_subcommand("catalog", "the catalog rows (topic, address, client), "
                                                    "probed");
  catalog_cmd->add_flag("!--no-probe", probe, "do not probe the addresses");
  catalog_cmd->add_flag("--internal", internal, "show the internal channel topic too");

  bool by_peer = false;
  auto* pending_cmd = app.add_subcommand("pending", "at-least-once messages waiting in the store");
  pending_cmd->add_flag("--by-peer", by_peer, "one line per sender and listener");

  auto* acks_cmd = app.add_subcommand("acks", "the ack cursors: the last message each listener acked");

  send_options so;
  auto* send_cmd = app.add_subcommand("send", "send one message (DATA, or standard input)");
  send_cmd->add_option("TOPIC", so.topic, "the topic to send to")->required();
  send_cmd->add_option("DATA", so.data, "the payload; - or nothing: standard input");
  send_cmd->add_flag("--all", so.all, "to every address of the topic (send_all), not one");
  send_cmd->add_flag("--at-least-once", so.at_least_once,
                     "at-least-once: wait for the ack; unacked, it stays in the store under --name");
  send_cmd->add_option("--name", so.name, "the sender's unique name")->capture_default_str();
  send_cmd->add_option("--from-topic", so.from_topic, "the sender's own topic")->capture_default_str();

  listen_options lo;
  auto* listen_cmd = app.add_subcommand("listen", "print messages to TOPIC... as they arrive "
                                                  "(until Ctrl-C or --count)");
  listen_cmd->add_option("TOPIC", lo.topics, "the listener's topic, then topics to subscribe to")
    ->required();
  listen_cmd->add_option("--name", lo.name, "the listener's unique name (default liner-listen-PID)");
  listen_cmd->add_option("--bind", lo.bind, "the address to listen on")->capture_default_str();
  listen_cmd->add_option("--advertise", lo.advertise,
                         "the address peers dial (needed when --bind is 0.0.0.0)");
  listen_cmd->add_option("--count", lo.count, "stop after this many messages")
    ->check(CLI::Range(1LL, 1LL << 62));

  bool dry_run = false;
  auto* prune_cmd = app.add_subcommand("prune", "remove catalog addresses that do not answer "
                                                "(probed twice)");
  prune_cmd->add_flag("--dry-run", dry_run, "only show what would be removed");

  auto* doctor_cmd = app.add_subcommand("doctor", "check the store, the schema, the clocks, the "
                                                  "addresses and the environment; says what to fix");

  std::string from;
  auto* stats_cmd = app.add_subcommand("stats", "the counters of a running process's clients "
                                                "(its LINER_METRICS_ADDR endpoint)");
  stats_cmd->add_option("--from", from, "HOST:PORT of the endpoint (default $LINER_METRICS_ADDR)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "liner: " << e.what() << " (see liner --help)\n";
    return usage;
  }
  cx.timeout = std::chrono::milliseconds(timeout_ms);
  cx.probe = std::chrono::milliseconds(probe_ms);
  so.data_given = send_cmd->count("DATA") > 0;

  try {
    if (*peers_cmd)
      return peers(cx, probe, internal);
    if (*topics_cmd)
      return topics(cx, internal);
    if (*catalog_cmd)
      return catalog(cx, probe, internal);
    if (*pending_cmd)
      return pending(cx, by_peer);
    if (*acks_cmd)
      return acks(cx);
    if (*send_cmd)
      return send(cx, so);
    if (*listen_cmd)
      return listen(cx, lo);
    if (*prune_cmd)
      return prune(cx, dry_run);
    if (*doctor_cmd)
      return doctor(cx);
    if (*stats_cmd)
      return stats(cx, from);
  } catch (const failure& f) {
    std::cerr << "liner: " << f.what() << '\n';
    return f.code;
  } catch (const std::exception& e) {
    std::cerr << "liner: " << e.what() << '\n';
    return problem;
  }
  return usage;
}
