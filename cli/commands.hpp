// The subcommands of `liner` (docs/cli.md). Each returns an exit code
// (cli/failure.hpp) or throws failure; main.cpp parses the command line.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

namespace liner::cli {

/// The global options.
struct context {
  std::string store;                          // --store, else LINER_STORE
  bool json = false;                          // --json: one JSON document on stdout
  std::chrono::milliseconds timeout{5000};    // --timeout-ms: store calls and waits
  std::chrono::milliseconds probe{1000};      // --probe-ms: one address probe
  std::ostream* out = nullptr;
};

// -- who is in the mesh (cli/inspect.cpp) ------------------------------------------
int peers(const context& cx, bool probe, bool internal);
int topics(const context& cx, bool internal);
int catalog(const context& cx, bool probe, bool internal);
int pending(const context& cx, bool by_peer);
int acks(const context& cx);

// -- messages (cli/messaging.cpp) --------------------------------------------------
struct send_options {
  std::string topic;
  std::string data;        // "-" or absent: standard input
  bool data_given = false;
  bool all = false;
  bool at_least_once = false;
  std::string name = "liner-cli";
  std::string from_topic = "liner-cli";
};
int send(const context& cx, const send_options& o);

struct listen_options {
  std::vector<std::string> topics; // the first is the listener's own topic
  std::string name;                // default: liner-listen-<pid>
  std::string bind = "127.0.0.1:0";
  std::string advertise;
  long long count = 0;             // stop after this many (0: until interrupted)
};
int listen(const context& cx, const listen_options& o);

// -- upkeep (cli/maintenance.cpp) ---------------------------------------------------
int prune(const context& cx, bool dry_run);
int doctor(const context& cx);

// -- a running process's counters (cli/stats.cpp) ------------------------------------
int stats(const context& cx, const std::string& from);

} // namespace liner::cli
