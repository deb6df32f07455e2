#include "actors/acceptor.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
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

// accept() failures that mean "no resources now", not "no connection".
bool out_of_resources(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

// Connections taken per wake-up, so that the lobby's ready ones are handed
// on between the accepts of a flood.
constexpr int accepts_per_wake = 64;

std::string limit_text() {
  return "the limit of " + std::to_string(knobs::max_inbound_connections())
         + " inbound connections is reached";
}

} // namespace

acceptor::acceptor(int listen_fd, caf::actor_addr listener,
                   std::shared_ptr<std::atomic<std::size_t>> open, std::string owner)
  : listen_fd_(listen_fd), listener_(std::move(listener)), open_(std::move(open)),
    owner_(std::move(owner)),
    backoff_(defaults::accept_backoff_first) {
  thread_ = std::thread([this] { run(); });
}

acceptor::~acceptor() {
  wake_.wake();
  if (thread_.joinable())
    thread_.join();
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
}

void acceptor::hand_off(int fd, lobby::clock_type::time_point deadline) {
  auto listener = caf::actor_cast<caf::actor>(listener_);
  auto socket = std::make_shared<msg::socket_handoff>(fd); // closes fd unless taken
  if (!listener)
    return;
  net::set_nodelay(fd); // the listener's acks are small frames
  net::set_liveness(fd, knobs::peer_timeout()); // a sender's host may vanish silently
  open_->fetch_add(1);
  caf::anon_send(listener, msg::accepted_socket{std::move(socket), deadline});
}

void acceptor::admit(int fd) {
  if (open_->load() + lobby_.size() >= knobs::max_inbound_connections()) {
    if (!lobby_.evict_oldest()) {
      ::close(fd);
      if (auto n = refusals_.count())
        log::warn(owner_, "listener refused " + std::to_string(n) + " connection(s): "
                        + limit_text() + " and every one has spoken");
      return;
    }
    if (auto n = evictions_.count())
      log::warn(owner_, "listener closed " + std::to_string(n)
                      + " connection(s) that had sent nothing, to make room for newer ones: "
                      + limit_text());
  }
  lobby_.add(fd, lobby::clock_type::now() + knobs::first_frame_timeout());
}

void acceptor::accept_waiting() {
  for (int i = 0; i < accepts_per_wake; ++i) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      backoff_ = defaults::accept_backoff_first;
      admit(fd);
      continue;
    }
    int err = errno;
    if (err == EINTR || err == ECONNABORTED)
      continue;
    if (out_of_resources(err)) {
      // The socket stays readable: wait before trying again, do not spin.
      if (backoff_ == defaults::accept_backoff_first)
        log::warn(owner_, std::string("listener cannot accept connections: ") + std::strerror(err)
                        + "; accepting pauses until it can");
      accept_again_ = lobby::clock_type::now() + backoff_;
      backoff_ = std::min(backoff_ * 2, defaults::accept_backoff_max);
    }
    return; // EAGAIN: nothing more waiting
  }
}

void acceptor::run() {
  std::vector<pollfd> fds;
  for (;;) {
    auto now = lobby::clock_type::now();
    bool accepting = now >= accept_again_;
    fds.clear();
    fds.push_back({wake_.fd(), POLLIN, 0});
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0}); // -1: poll ignores it
    lobby_.poll_set(fds);
    auto timeout = lobby_.next_timeout(now);
    if (!accepting) {
      auto until = std::chrono::ceil<std::chrono::milliseconds>(accept_again_ - now);
      timeout = timeout.count() < 0 ? until : std::min(timeout, until);
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) < 0) {
      if (errno == EINTR)
        continue;
      log::error(owner_, std::string("acceptor: poll: ") + std::strerror(errno));
      return;
    }
    if (fds[0].revents & POLLIN)
      return; // stopping
    auto expired = lobby_.sweep(fds.data() + 2, lobby::clock_type::now(),
                                [this](int fd, auto deadline) { hand_off(fd, deadline); });
    if (auto n = expired ? expiries_.count(expired) : 0)
      log::warn(owner_, "closed " + std::to_string(n) + " inbound connection(s): no byte within "
                      + std::to_string(knobs::first_frame_timeout().count()) + " ms");
    if (fds[1].revents & POLLIN)
      accept_waiting();
  }
}

} // namespace liner
