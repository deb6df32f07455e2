// Helpers for the metrics tests: a client's stats parsed, waiting for them
// to reach a state, and one HTTP request over a real socket.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include <liner/client.hpp>

#include "runtime/net_address.hpp"
#include "support/client_helpers.hpp"

namespace liner::test {

inline nlohmann::json stats_of(const Client& c) {
  return nlohmann::json::parse(c.stats_json());
}

/// Waits until `pred(stats)` holds; false after the deadline. Counters such
/// as acks change on the client's own threads with nothing to wait on, so
/// this reads them again every millisecond (no timing is asserted).
inline bool wait_for_stats(const Client& c, const std::function<bool(const nlohmann::json&)>& pred) {
  auto deadline = std::chrono::steady_clock::now() + wait_deadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred(stats_of(c)))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pred(stats_of(c));
}

/// Waits until the client holds no at-least-once message, in memory
/// (alo_unacked) or in the store (pending_count); false after the deadline.
inline bool holds_nothing(Client& c) {
  auto deadline = std::chrono::steady_clock::now() + wait_deadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (stats_of(c).value("alo_unacked", -1LL) == 0 && c.pending_count() == 0)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10)); // polling pace, not a wait for an outcome
  }
  return false;
}

struct http_answer {
  int status = 0; // 0: no answer (refused, closed, timed out)
  std::string head;
  std::string body;
  std::string error;
};

/// Sends `request` as is and reads the answer until the server closes.
inline http_answer http_exchange(const std::string& addr, const std::string& request) {
  http_answer out;
  int fd = net::connect_with_timeout(addr, wait_deadline, out.error);
  if (fd < 0)
    return out;
  std::size_t sent = 0;
  while (sent < request.size()) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      out.error = "send: " + net::os_error(errno);
      break; // the server may have answered already (a request too large)
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + wait_deadline;
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      out.error = "no complete answer";
      break;
    }
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto end = answer.find("\r\n\r\n");
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
    out.error += " answer: '" + answer + "'";
    return out;
  }
  out.status = std::stoi(answer.substr(9, 3));
  out.head = answer.substr(0, end);
  out.body = answer.substr(end + 4);
  return out;
}

inline http_answer http_get(const std::string& addr, const std::string& path) {
  return http_exchange(addr, "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n");
}

} // namespace liner::test
