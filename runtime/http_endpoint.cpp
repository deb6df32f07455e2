#include "runtime/http_endpoint.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <vector>

#include "runtime/defaults.hpp"
#include "runtime/log.hpp"

namespace liner::http {

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// After the process ran out of descriptors, accepting pauses this long
/// (the listening socket stays readable: polling it would spin).
constexpr auto accept_pause = 100ms;

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    default: return "Internal Server Error";
  }
}

std::string render(const response& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (r.status == 405)
    out += "Allow: GET\r\n";
  out += "Connection: close\r\n\r\n";
  out += r.body;
  return out;
}

response plain(int status, std::string text) {
  return {status, "text/plain; charset=utf-8", std::move(text) + "\n"};
}

// The end of the request head (its blank line), npos while incomplete.
std::size_t head_end(const std::string& in) {
  auto crlf = in.find("\r\n\r\n");
  auto lf = in.find("\n\n");
  return std::min(crlf, lf);
}

// "GET /metrics HTTP/1.1" and the headers after it (which are not read).
response answer(const std::string& head, const handler& h) {
  auto line = head.substr(0, head.find('\n'));
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos)
    return plain(400, "bad request line");
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  if ((version != "HTTP/1.0" && version != "HTTP/1.1") || target.empty() || target[0] != '/')
    return plain(400, "bad request line");
  if (method != "GET")
    return plain(405, "only GET");
  try {
    return h(target.substr(0, target.find('?')));
  } catch (const std::exception& e) {
    log::error(log::library, std::string("metrics endpoint: ") + e.what());
    return plain(500, "internal error");
  }
}

struct connection {
  enum class stage { reading, writing, draining };
  int fd = -1;
  clock_type::time_point deadline{};
  stage at = stage::reading;
  std::string in;
  std::string out;
  std::size_t written = 0;
};

} // namespace

bool is_loopback(const net::endpoint& at) {
  if (at.v6) {
    in6_addr a{};
    return inet_pton(AF_INET6, at.ip.c_str(), &a) == 1 && IN6_IS_ADDR_LOOPBACK(&a);
  }
  in_addr a{};
  return inet_pton(AF_INET, at.ip.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

std::unique_ptr<endpoint> endpoint::start(const std::string& addr, handler h, std::string& error) {
  auto at = net::resolve(addr);
  if (!at) {
    error = "invalid address '" + addr + "' (HOST:PORT)";
    return nullptr;
  }
  if (!is_loopback(*at)) {
    error = "refused to serve on " + at->to_string()
            + ": only loopback addresses (127.0.0.0/8, ::1) are allowed";
    return nullptr;
  }
  int fd = net::listen_on(*at, error);
  if (fd < 0) {
    error = "cannot listen on " + at->to_string() + ": " + error;
    return nullptr;
  }
  auto bound = net::local_endpoint(fd);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    error = "pipe2: " + net::os_error(errno);
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<endpoint>(new endpoint(fd, pipe_fds[0], pipe_fds[1],
                                                bound ? bound->to_string() : at->to_string(),
                                                std::move(h)));
}

endpoint::endpoint(int listen_fd, int wake_read, int wake_write, std::string address, handler h)
  : listen_fd_(listen_fd), wake_read_(wake_read), wake_write_(wake_write),
    address_(std::move(address)), handler_(std::move(h)), thread_([this] { serve(); }) {
}

endpoint::~endpoint() {
  char b = 1;
  if (::write(wake_write_, &b, 1) < 0)
    log::error(log::library, "metrics endpoint: cannot wake its thread: " + net::os_error(errno));
  thread_.join();
  for (int fd : {listen_fd_, wake_read_, wake_write_})
    ::close(fd);
}

void endpoint::serve() {
  std::vector<connection> conns;
  std::vector<pollfd> fds;
  clock_type::time_point accept_paused_until{};
  char buf[4096];
  auto close_conn = [](connection& c) {
    ::close(c.fd);
    c.fd = -1;
  };
  while (true) {
    auto now = clock_type::now();
    bool accepting = conns.size() < defaults::metrics_max_connections && now >= accept_paused_until;
    fds.clear();
    fds.push_back({wake_read_, POLLIN, 0});
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0}); // -1: ignored by poll
    auto next = accepting ? clock_type::time_point::max() : accept_paused_until;
    for (auto& c : conns) {
      fds.push_back({c.fd, static_cast<short>(c.at == connection::stage::writing ? POLLOUT : POLLIN), 0});
      next = std::min(next, c.deadline);
    }
    int timeout = -1;
    if (next != clock_type::time_point::max())
      timeout = static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1));
    if (::poll(fds.data(), fds.size(), timeout) < 0) {
      if (errno == EINTR)
        continue;
      log::error(log::library, "metrics endpoint: poll: " + net::os_error(errno));
      break;
    }
    if (fds[0].revents)
      break; // the destructor
    now = clock_type::now();
    for (std::size_t i = 0; i < conns.size(); ++i) {
      auto& c = conns[i];
      auto events = fds[i + 2].revents;
      if (now >= c.deadline) {
        log::debug(log::library, "metrics endpoint: a connection timed out");
        close_conn(c);
        continue;
      }
      if (!events)
        continue;
      if (c.at == connection::stage::writing) {
        auto n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
          close_conn(c);
          continue;
        }
        c.written += n > 0 ? static_cast<std::size_t>(n) : 0;
        if (c.written == c.out.size()) {
          // Closing with unread bytes would reset the stream and could cut
          // the answer short: end our side, then read until the peer closes.
          ::shutdown(c.fd, SHUT_WR);
          c.at = connection::stage::draining;
        }
        continue;
      }
      auto n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (n <= 0 || c.at == connection::stage::draining) {
        if (n <= 0)
          close_conn(c); // closed (or broken) before a complete request, or drained
        continue;
      }
      c.in.append(buf, static_cast<std::size_t>(n));
      auto end = head_end(c.in);
      response r;
      if (end != std::string::npos && end <= defaults::metrics_request_max_bytes)
        r = answer(c.in.substr(0, end), handler_);
      else if (c.in.size() > defaults::metrics_request_max_bytes)
        r = plain(431, "request larger than " + std::to_string(defaults::metrics_request_max_bytes)
                         + " bytes");
      else
        continue; // more to come
      c.in.clear();
      c.out = render(r);
      c.at = connection::stage::writing;
    }
    conns.erase(std::remove_if(conns.begin(), conns.end(), [](const connection& c) { return c.fd < 0; }),
                conns.end());
    if (!(fds[1].revents & POLLIN))
      continue;
    while (conns.size() < defaults::metrics_max_connections) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        connection c;
        c.fd = fd;
        c.deadline = now + defaults::metrics_connection_deadline;
        conns.push_back(std::move(c));
        continue;
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        log::warn(log::library, "metrics endpoint: accept: " + net::os_error(errno));
        accept_paused_until = now + accept_pause;
      }
      break; // EAGAIN: none left; anything else: try again on the next readable
    }
  }
  for (auto& c : conns)
    ::close(c.fd);
}

} // namespace liner::http
