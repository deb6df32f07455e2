// A very small HTTP/1.x server on a loopback address, for the metrics
// endpoint (LINER_METRICS_ADDR, actors/metrics_hub.hpp): GET only, one
// request per connection (answered with Connection: close), on one thread of
// its own with plain sockets and poll. Defensive, since anything on the host
// can reach it: requests are size-bounded (431 beyond
// defaults::metrics_request_max_bytes), each connection has a deadline from
// its accept (defaults::metrics_connection_deadline), and at most
// defaults::metrics_max_connections are served at once; a malformed request
// gets 400, a method other than GET 405.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "runtime/net_address.hpp"

namespace liner::http {

struct response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

/// Answers a GET of `path` (the query string cut off); runs on the
/// endpoint's thread.
using handler = std::function<response(const std::string& path)>;

/// 127.0.0.0/8 or ::1.
bool is_loopback(const net::endpoint& at);

class endpoint {
public:
  /// Listens on `addr` ("host:port"; loopback only) and serves `h` on a
  /// thread of its own. nullptr, with `error` saying why, when the address
  /// is bad, not a loopback address, or cannot be bound.
  static std::unique_ptr<endpoint> start(const std::string& addr, handler h, std::string& error);

  /// Stops the thread (connections in progress are closed) and the listener.
  ~endpoint();
  endpoint(const endpoint&) = delete;
  endpoint& operator=(const endpoint&) = delete;

  /// The address it listens on (the bound port when 0 was asked).
  const std::string& address() const { return address_; }

private:
  endpoint(int listen_fd, int wake_read, int wake_write, std::string address, handler h);
  void serve();

  int listen_fd_;
  int wake_read_;  // a pipe: the destructor writes, the thread polls
  int wake_write_;
  std::string address_;
  handler handler_;
  std::thread thread_; // last: started once the rest is set
};

} // namespace liner::http
