// The way a thread of ours that sleeps in poll() is told to end: a pipe
// whose read end it polls beside its own descriptors; wake() makes it
// readable. Owns both ends (closed on destruction).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "runtime/log.hpp"

namespace liner {

class wake_pipe {
public:
  /// `who` names the owner in error texts ("acceptor", "catalog watch").
  explicit wake_pipe(std::string who) : who_(std::move(who)) {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0)
      throw std::runtime_error(who_ + ": pipe2: " + std::strerror(errno));
  }
  ~wake_pipe() {
    for (int fd : fds_)
      if (fd >= 0)
        ::close(fd);
  }
  wake_pipe(const wake_pipe&) = delete;
  wake_pipe& operator=(const wake_pipe&) = delete;

  /// The descriptor to poll for POLLIN.
  int fd() const { return fds_[0]; }
  /// Makes fd() readable, for good.
  void wake() {
    char b = 1;
    if (::write(fds_[1], &b, 1) < 0)
      log::error(log::library, who_ + ": cannot wake its thread: " + std::strerror(errno));
  }

private:
  std::string who_;
  int fds_[2] = {-1, -1};
};

} // namespace liner
