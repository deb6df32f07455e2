// A private Redis server owned by the test process, for tests that stop,
// restart or freeze the server under running clients (never the shared one
// of LINER_TEST_REDIS_URL). It runs scripts/redis with REDIS_BASE in a
// temporary folder, a free REDIS_PORT and REDIS_PERSIST=1 (an fsynced
// append-only file: the data outlives a stop, as on a production server).
#pragma once

#include <string>
#include <sys/types.h>

namespace liner::test {

class redis_server {
public:
  /// `redis_script` is the path of scripts/redis. Picks a folder and a free
  /// port; does not start anything.
  explicit redis_server(std::string redis_script);
  /// Thaws, stops and removes the server; never throws.
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  /// Starts the server and waits until it answers; a no-op when it runs.
  /// Keeps the port: the URL stays valid across stop/start. Throws on failure.
  void start();
  /// SHUTDOWN (the data is written first). Thaws first.
  void stop();
  void restart();
  /// SIGSTOP redis-server and waits until it is stopped: the kernel still
  /// accepts connections, nothing answers. thaw() sends SIGCONT.
  void freeze();
  void thaw();

  /// redis://:liner@127.0.0.1:PORT/0
  const std::string& url() const { return url_; }
  /// The URL of a database no other call of this server handed out.
  std::string fresh_db_url();

private:
  std::string run(const std::string& command);
  pid_t server_pid() const;

  std::string script_;
  std::string base_;
  int port_ = 0;
  std::string url_;
  int next_db_ = 1;
  bool frozen_ = false;
};

} // namespace liner::test
