// liner stats: the counters of the clients of a running process, read from
// the HTTP endpoint it serves when LINER_METRICS_ADDR is set (GET /stats).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/failure.hpp"
#include "cli/output.hpp"
#include "runtime/net_address.hpp"

namespace liner::cli {

namespace {

using json = nlohmann::json;

constexpr std::size_t max_answer = 16u * 1024u * 1024u;

// One HTTP/1.0 GET; the body of a 200 answer. Bounded in time and size.
std::string http_get(const std::string& addr, const std::string& path,
                     std::chrono::milliseconds timeout) {
  std::string error;
  int fd = net::connect_with_timeout(addr, timeout, error);
  if (fd < 0)
    throw failure(problem, "cannot reach " + addr + ": " + error
                             + " (is LINER_METRICS_ADDR set in that process?)");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto wait = [&](short events) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
    pollfd p{fd, events, 0};
    return left > 0 && ::poll(&p, 1, static_cast<int>(left)) > 0;
  };
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + addr + "\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!wait(POLLOUT)) {
      ::close(fd);
      throw failure(problem, addr + ": no answer within " + std::to_string(timeout.count()) + " ms");
    }
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      throw failure(problem, addr + ": " + net::os_error(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buf[65536];
  while (true) {
    if (!wait(POLLIN)) {
      ::close(fd);
      throw failure(problem, addr + ": no complete answer within " + std::to_string(timeout.count())
                               + " ms");
    }
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      ::close(fd);
      throw failure(problem, addr + ": " + net::os_error(errno));
    }
    if (n == 0)
      break;
    answer.append(buf, static_cast<std::size_t>(n));
    if (answer.size() > max_answer) {
      ::close(fd);
      throw failure(problem, addr + ": answer larger than 16 MiB");
    }
  }
  ::close(fd);
  auto end_of_head = answer.find("\r\n\r\n");
  auto status_line = answer.substr(0, answer.find("\r\n"));
  if (end_of_head == std::string::npos || status_line.find(" 200 ") == std::string::npos)
    throw failure(problem, addr + path + ": " + (status_line.empty() ? "no HTTP answer" : status_line));
  return answer.substr(end_of_head + 4);
}

} // namespace

int stats(const context& cx, const std::string& from) {
  std::string addr = from;
  if (addr.empty())
    if (const char* env = std::getenv("LINER_METRICS_ADDR"))
      addr = env;
  if (addr.empty())
    throw failure(usage, "no endpoint: give --from HOST:PORT or set LINER_METRICS_ADDR");
  auto body = http_get(addr, "/stats", cx.timeout);
  json clients;
  try {
    clients = json::parse(body);
  } catch (const json::exception& e) {
    throw failure(problem, addr + "/stats is not JSON: " + e.what());
  }
  if (cx.json) {
    *cx.out << clients.dump(2) << '\n';
    return ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& c : clients) {
    auto n = [&](const char* group, const char* field) {
      return std::to_string(c.value(group, json::object()).value(field, 0LL));
    };
    rows.push_back({c.value("client", ""), c.value("running", false) ? "yes" : "no",
                    n("sent", "messages"), n("delivered", "messages"),
                    std::to_string(c.value("refused_busy", 0LL)),
                    std::to_string(c.value("alo_unacked", 0LL)), n("store", "avg_us"),
                    std::to_string(c.value("routes", json::array()).size())});
  }
  print_table(*cx.out, {"CLIENT", "RUNNING", "SENT", "DELIVERED", "BUSY", "UNACKED",
                        "STORE AVG US", "ROUTES"},
              rows);
  return ok;
}

} // namespace liner::cli
