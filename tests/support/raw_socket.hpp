// Plain sockets for tests: an address where nobody listens, and a raw TCP
// connection to write arbitrary bytes to a client's listener.
#pragma once

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace liner::test {

inline sockaddr_in parse_ipv4(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("not host:port: " + addr);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(colon + 1))));
  if (inet_pton(AF_INET, addr.substr(0, colon).c_str(), &sa.sin_addr) != 1)
    throw std::invalid_argument("not an IPv4 address: " + addr);
  return sa;
}

/// Binds `fd` (a TCP socket) to a free port on 127.0.0.1, listening with
/// `backlog` unless it is 0; returns "127.0.0.1:PORT". Throws naming `who`.
inline std::string bind_loopback(int fd, int backlog, const char* who) {
  sockaddr_in sa = parse_ipv4("127.0.0.1:0");
  socklen_t len = sizeof sa;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0
      || (backlog > 0 && listen(fd, backlog) != 0)
      || getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    throw std::runtime_error(std::string(who) + ": " + std::strerror(errno));
  return "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
}

/// A TCP port on 127.0.0.1 that is bound but not listening, held for the
/// object's lifetime: connecting to it is refused at once, and no other
/// process can take the port meanwhile. Stands for a peer that went away.
class dead_address {
public:
  dead_address() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    addr_ = bind_loopback(fd_, 0, "dead_address");
  }
  ~dead_address() { close(fd_); }
  dead_address(const dead_address&) = delete;
  dead_address& operator=(const dead_address&) = delete;
  const std::string& addr() const { return addr_; }

private:
  int fd_ = -1;
  std::string addr_;
};

/// A raw TCP connection (blocking, 20 s receive timeout).
class raw_connection {
public:
  explicit raw_connection(const std::string& addr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa = parse_ipv4(addr);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      throw std::runtime_error("connect " + addr + ": " + std::strerror(errno));
    timeval tv{20, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~raw_connection() { close(fd_); }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Writes everything (MSG_NOSIGNAL: a peer that already closed must not
  /// kill the test with SIGPIPE); false if the peer closed meanwhile.
  bool write_all(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Reads until the peer closes the connection. Returns "closed" (EOF or
  /// reset), or why not ("timeout", "got N bytes", other errors). A liner
  /// listener never writes to a stream without our hello frame.
  std::string wait_closed() {
    char buf[256];
    std::size_t got = 0;
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0)
        break;
      if (n > 0) {
        got += static_cast<std::size_t>(n);
        continue;
      }
      if (errno == EINTR)
        continue;
      if (errno == ECONNRESET)
        break;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return "timeout: the connection is still open after 20 s";
      return std::string("recv failed: ") + std::strerror(errno);
    }
    return got == 0 ? "closed" : "closed after sending us " + std::to_string(got) + " bytes";
  }

private:
  int fd_ = -1;
};

} // namespace liner::test
