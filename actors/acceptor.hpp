// Accepts inbound connections on a client's listening socket, in a thread of
// its own, holds each one in a lobby (lobby.hpp) until its first bytes come,
// then hands it to the listener (msg::accepted_socket).
//
// Why not CAF's doorman: when the process runs out of file descriptors,
// accept() fails, the listening socket stays readable and the doorman spins
// the multiplexer at full CPU until descriptors free up, starving every
// connection. Here accepting pauses instead (backoff, logged once). The
// thread also enforces the per-client limit on inbound connections: at the
// limit, a newcomer takes the place of the oldest connection that has not
// said anything yet, and is refused only when there is none.
#pragma once

#include <caf/actor_addr.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "actors/lobby.hpp"
#include "actors/wake_pipe.hpp"
#include "runtime/log.hpp"

namespace liner {

class acceptor {
public:
  /// Takes ownership of `listen_fd` (closed by the destructor). `open`
  /// counts the connections the listener holds: the acceptor adds one per
  /// handed-off socket, the listener takes one off per closed connection.
  /// `owner` names the client in log lines.
  acceptor(int listen_fd, caf::actor_addr listener, std::shared_ptr<std::atomic<std::size_t>> open,
           std::string owner);
  /// Stops the thread, waits for it and closes the listening socket.
  ~acceptor();
  acceptor(const acceptor&) = delete;
  acceptor& operator=(const acceptor&) = delete;

private:
  void run();
  /// Accepts what is waiting (a bounded number at a time); out of
  /// descriptors or memory, sets when to try again.
  void accept_waiting();
  /// Takes the new connection `fd` into the lobby, making room if the limit is reached.
  void admit(int fd);
  void hand_off(int fd, lobby::clock_type::time_point deadline);

  int listen_fd_;
  wake_pipe wake_{"acceptor"}; // the destructor wakes the thread to end it
  caf::actor_addr listener_;
  std::shared_ptr<std::atomic<std::size_t>> open_;
  std::string owner_;
  lobby lobby_; // only the thread touches it
  std::chrono::milliseconds backoff_;
  lobby::clock_type::time_point accept_again_{}; // out of descriptors: not before then
  log::repeat_counter refusals_, evictions_, expiries_; // logged at most once a second
  std::thread thread_;
};

} // namespace liner
