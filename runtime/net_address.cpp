#include "runtime/net_address.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace liner::net {

namespace {

bool split(const std::string& s, std::string& host, std::string& port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 >= s.size())
    return false;
  host = s.substr(0, colon);
  port = s.substr(colon + 1);
  // An IPv6 host is bracketed ("[::1]:0"); "::1:0" is refused, not guessed at.
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of(":[]") != std::string::npos) {
    return false;
  }
  if (host.empty() || port.find_first_not_of("0123456789") != std::string::npos
      || port.size() > 5 || std::stoul(port) > 65535)
    return false;
  return true;
}

endpoint from_sockaddr(const sockaddr* sa) {
  endpoint ep;
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) {
    auto in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    ep.port = ntohs(in6->sin6_port);
    ep.v6 = true;
  } else {
    auto in4 = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in4->sin_addr, buf, sizeof buf);
    ep.port = ntohs(in4->sin_port);
  }
  ep.ip = buf;
  return ep;
}

// Fills `ss` for a numeric endpoint.
socklen_t to_sockaddr(const endpoint& ep, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (ep.v6) {
    auto in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(ep.port);
    inet_pton(AF_INET6, ep.ip.c_str(), &in6->sin6_addr);
    return sizeof(sockaddr_in6);
  }
  auto in4 = reinterpret_cast<sockaddr_in*>(&ss);
  in4->sin_family = AF_INET;
  in4->sin_port = htons(ep.port);
  inet_pton(AF_INET, ep.ip.c_str(), &in4->sin_addr);
  return sizeof(sockaddr_in);
}

} // namespace

std::string endpoint::to_string() const {
  return v6 ? "[" + ip + "]:" + std::to_string(port) : ip + ":" + std::to_string(port);
}

std::string os_error(int err) {
  return std::string(std::strerror(err)) + " (os error " + std::to_string(err) + ")";
}

std::optional<endpoint> resolve(const std::string& host_port) {
  std::string host, port;
  if (!split(host_port, host, port))
    return std::nullopt;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res)
    return std::nullopt;
  auto ep = from_sockaddr(res->ai_addr);
  freeaddrinfo(res);
  return ep;
}

int listen_on(const endpoint& at, std::string& error) {
  int fd = socket(at.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = os_error(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss;
  auto len = to_sockaddr(at, ss);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, SOMAXCONN) != 0) {
    error = os_error(errno);
    close(fd);
    return -1;
  }
  return fd;
}

std::optional<endpoint> local_endpoint(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return std::nullopt;
  return from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
}

int connect_with_timeout(const std::string& host_port, std::chrono::milliseconds timeout,
                         std::string& error, bool* refused) {
  if (refused)
    *refused = false;
  auto ep = resolve(host_port);
  if (!ep) {
    error = "cannot resolve " + host_port;
    return -1;
  }
  int fd = socket(ep->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = os_error(errno);
    return -1;
  }
  sockaddr_storage ss;
  auto len = to_sockaddr(*ep, ss);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    do
      rc = poll(&p, 1, static_cast<int>(timeout.count()));
    while (rc < 0 && errno == EINTR);
    if (rc == 0) {
      close(fd);
      error = "connection timed out";
      return -1;
    }
    if (rc > 0) { // else poll itself failed: errno says why
      int err = 0;
      socklen_t elen = sizeof err;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
        err = errno;
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
  }
  if (rc != 0) {
    if (refused)
      *refused = errno == ECONNREFUSED;
    error = os_error(errno);
    close(fd);
    return -1;
  }
  set_nodelay(fd);
  return fd;
}

uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error("socket() failed: " + os_error(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void set_liveness(int fd, std::chrono::milliseconds peer_timeout) {
  auto ms = peer_timeout.count();
  int user_timeout = static_cast<int>(std::min<long long>(ms, INT32_MAX));
  setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
  int on = 1;
  int idle = static_cast<int>(std::clamp<long long>(ms / 2000, 1, 32767));
  int count = 3;
  int interval = static_cast<int>(std::clamp<long long>(ms / 6000, 1, 32767));
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

long send_now(int fd, const char* data, std::size_t size) {
  while (true) {
    auto n = ::send(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0)
      return static_cast<long>(n);
    if (errno == EINTR)
      continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

} // namespace liner::net
