// A private PostgreSQL server owned by the test process, for tests that stop,
// restart or freeze the server under running clients (never the shared one
// of LINER_TEST_POSTGRES_URL). It runs scripts/pg with PG_BASE in a
// temporary folder and a free PG_PORT; as root, scripts/pg runs the server as
// the `postgres` OS user.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace liner::test {

class pg_cluster {
public:
  /// `pg_script` is the path of scripts/pg. Picks a folder and a free port;
  /// does not start anything.
  explicit pg_cluster(std::string pg_script);
  /// Thaws, stops (fast) and removes the cluster; never throws. Runs also
  /// when a test assertion failed (the object goes out of scope).
  ~pg_cluster();
  pg_cluster(const pg_cluster&) = delete;
  pg_cluster& operator=(const pg_cluster&) = delete;

  /// Initialises the cluster the first time (initdb), starts the server and
  /// waits until it accepts connections; a no-op when it runs. Keeps the
  /// port: the URL stays valid across stop/start. Throws on failure.
  void start();
  /// Fast shutdown (pg_ctl stop -m fast): sessions are ended. Thaws first.
  void stop();
  void restart();

  /// SIGSTOP the postmaster and every process it started (the backends are
  /// separate processes), and waits until all of them are stopped: the
  /// server still accepts TCP connections in the kernel but answers nothing.
  void freeze();
  /// SIGCONT the same processes (and any child of the postmaster).
  void thaw();
  bool frozen() const { return !frozen_.empty(); }

  /// postgresql://liner_app:liner@127.0.0.1:PORT/liner
  const std::string& url() const { return url_; }

  /// Creates an empty schema and returns the URL that uses it (the server
  /// must be running and not frozen).
  std::string fresh_schema_url();

private:
  std::string pg(const std::string& command);
  pid_t postmaster_pid() const;

  std::string script_;
  std::string base_;
  int port_ = 0;
  std::string url_;
  std::vector<pid_t> frozen_;
};

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's
/// pick for port 0).
int free_local_port();

/// The cluster of this test binary: created and started on first use (initdb
/// takes seconds, so once per process), removed when the program ends.
/// `pg_script` is only used the first time.
pg_cluster& shared_pg_cluster(const std::string& pg_script);

} // namespace liner::test
