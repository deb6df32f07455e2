// Accepts inbound connections on a client's listening socket, in a thread of
// its own, and hands each one to the listener (msg::accepted_socket).
//
// Why not CAF's doorman: when the process runs out of file descriptors,
// accept() fails, the listening socket stays readable and the doorman spins
// the multiplexer at full CPU until descriptors free up, starving every
// connection. Here accepting pauses instead (backoff, logged once). The
// thread also enforces the per-client limit on inbound connections.
#pragma once

#include <caf/actor_addr.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>

namespace liner {

class acceptor {
public:
  /// Takes ownership of `listen_fd` (closed by the destructor). `open`
  /// counts the connections the listener holds: the acceptor adds one per
  /// handed-off socket, the listener takes one off per closed connection.
  acceptor(int listen_fd, caf::actor_addr listener, std::shared_ptr<std::atomic<std::size_t>> open);
  /// Stops the thread, waits for it and closes the listening socket.
  ~acceptor();
  acceptor(const acceptor&) = delete;
  acceptor& operator=(const acceptor&) = delete;

private:
  void run();
  /// Waits for a connection to accept; false once stopping.
  bool wait_for_connection();
  /// Waits `t` without looking at the listening socket; false once stopping.
  bool pause(std::chrono::milliseconds t);
  void hand_off(int fd);

  int listen_fd_;
  int wake_[2] = {-1, -1}; // a pipe: the destructor writes to end the thread
  caf::actor_addr listener_;
  std::shared_ptr<std::atomic<std::size_t>> open_;
  std::thread thread_;
};

} // namespace liner
