#include "actors/acceptor.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "actors/messages.hpp"
#include "runtime/defaults.hpp"
#include "runtime/knobs.hpp"
#include "runtime/log.hpp"
#include "runtime/net_address.hpp"

namespace liner {

namespace {

using clock_type = std::chrono::steady_clock;

// accept() failures that mean "no resources now", not "no connection".
bool out_of_resources(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

} // namespace

acceptor::acceptor(int listen_fd, caf::actor_addr listener,
                   std::shared_ptr<std::atomic<std::size_t>> open)
  : listen_fd_(listen_fd), listener_(std::move(listener)), open_(std::move(open)) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::runtime_error(std::string("acceptor: pipe2: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

acceptor::~acceptor() {
  char b = 1;
  if (::write(wake_[1], &b, 1) < 0)
    LINER_LOG_ERROR(std::string("acceptor: cannot wake its thread: ") + std::strerror(errno));
  if (thread_.joinable())
    thread_.join();
  for (int fd : {wake_[0], wake_[1], listen_fd_})
    if (fd >= 0)
      ::close(fd);
}

bool acceptor::wait_for_connection() {
  pollfd fds[2] = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
  while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
  }
  return !(fds[0].revents & POLLIN);
}

bool acceptor::pause(std::chrono::milliseconds t) {
  pollfd fd{wake_[0], POLLIN, 0};
  while (::poll(&fd, 1, static_cast<int>(t.count())) < 0 && errno == EINTR) {
  }
  return !(fd.revents & POLLIN);
}

void acceptor::hand_off(int fd) {
  auto listener = caf::actor_cast<caf::actor>(listener_);
  auto socket = std::make_shared<msg::socket_handoff>(fd); // closes fd unless taken
  if (!listener)
    return;
  open_->fetch_add(1);
  caf::anon_send(listener, msg::accepted_socket{std::move(socket)});
}

void acceptor::run() {
  auto backoff = defaults::accept_backoff_first;
  std::size_t refused = 0; // over the connection limit since the last log line
  auto last_refusal_log = clock_type::time_point{};
  while (wait_for_connection()) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      int err = errno;
      if (out_of_resources(err)) {
        // The socket stays readable: wait before trying again, do not spin.
        if (backoff == defaults::accept_backoff_first)
          LINER_LOG_ERROR(std::string("listener cannot accept connections: ") + std::strerror(err)
                          + "; accepting pauses until it can");
        if (!pause(backoff))
          return;
        backoff = std::min(backoff * 2, defaults::accept_backoff_max);
      }
      continue; // EAGAIN, ECONNABORTED, EINTR, ...: next one
    }
    backoff = defaults::accept_backoff_first;
    if (open_->load() >= knobs::max_inbound_connections()) {
      ::close(fd);
      ++refused;
      auto now = clock_type::now();
      if (now - last_refusal_log >= std::chrono::seconds{1}) {
        LINER_LOG_ERROR("listener refused " + std::to_string(refused)
                        + " connection(s): the limit of "
                        + std::to_string(knobs::max_inbound_connections())
                        + " inbound connections is reached");
        refused = 0;
        last_refusal_log = now;
      }
      continue;
    }
    net::set_nodelay(fd); // the listener's acks are small frames
    hand_off(fd);
  }
}

} // namespace liner
