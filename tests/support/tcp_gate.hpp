// A TCP relay that is closed until the test opens it: it listens on an
// ephemeral port of 127.0.0.1 from the start (so a connect to it succeeds:
// the kernel accepts), but reads nothing and forwards nothing until open().
// Then it relays every connection, those waiting in the backlog first, to
// the target address, both ways. A peer that dials the gate's address (a
// listener advertising it) is thus held in its first exchange for as long
// as the test wants, without a failed connect.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_socket.hpp"

namespace liner::test {

class tcp_gate {
public:
  tcp_gate() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    addr_ = bind_loopback(listen_fd_, 16, "tcp_gate");
    if (pipe(stop_) != 0)
      throw std::runtime_error(std::string("tcp_gate: ") + std::strerror(errno));
  }

  ~tcp_gate() {
    if (thread_.joinable()) {
      (void)!write(stop_[1], "x", 1);
      thread_.join();
    }
    for (auto& p : pairs_) {
      close(p.a);
      close(p.b);
    }
    close(listen_fd_);
    close(stop_[0]);
    close(stop_[1]);
  }

  tcp_gate(const tcp_gate&) = delete;
  tcp_gate& operator=(const tcp_gate&) = delete;

  /// Where peers dial the gate.
  const std::string& addr() const { return addr_; }

  /// From now on relays every connection to `target`.
  void open(const std::string& target) {
    target_ = target;
    thread_ = std::thread{[this] { relay(); }};
  }

private:
  struct pair {
    int a, b; // accepted, and ours to the target
  };

  void relay() {
    std::vector<char> buf(64 * 1024);
    for (;;) {
      std::vector<pollfd> fds{{stop_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (auto& p : pairs_) {
        fds.push_back({p.a, POLLIN, 0});
        fds.push_back({p.b, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR)
          continue;
        return;
      }
      if (fds[0].revents)
        return;
      std::vector<pair> alive;
      for (std::size_t i = 0; 2 + 2 * i < fds.size(); ++i) {
        auto& p = pairs_[i];
        bool ok = pump(fds[2 + 2 * i], p.b, buf) && pump(fds[3 + 2 * i], p.a, buf);
        if (ok) {
          alive.push_back(p);
        } else {
          close(p.a);
          close(p.b);
        }
      }
      pairs_ = std::move(alive);
      if (fds[1].revents & POLLIN) // after the pumps: fds has no entry for it yet
        accept_one();
    }
  }

  void accept_one() {
    int a = accept(listen_fd_, nullptr, nullptr);
    if (a < 0)
      return;
    int b = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa = parse_ipv4(target_);
    if (b < 0 || connect(b, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      close(a);
      if (b >= 0)
        close(b);
      return;
    }
    pairs_.push_back({a, b});
  }

  // Forwards what `from` has to `to`; false once either side is gone.
  static bool pump(const pollfd& from, int to, std::vector<char>& buf) {
    if (!from.revents)
      return true;
    auto n = read(from.fd, buf.data(), buf.size());
    if (n <= 0)
      return false;
    std::size_t done = 0;
    while (done < static_cast<std::size_t>(n)) {
      auto w = ::send(to, buf.data() + done, static_cast<std::size_t>(n) - done, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return false;
      done += static_cast<std::size_t>(w);
    }
    return true;
  }

  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  std::string addr_;
  std::string target_;
  std::vector<pair> pairs_; // the relay thread's alone while it runs
  std::thread thread_;
};

} // namespace liner::test
