// Socket addresses as liner writes them ("127.0.0.1:2255", "[::1]:2255"):
// resolving, binding a listener, connecting with a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace liner::net {

struct endpoint {
  std::string ip; // numeric
  uint16_t port = 0;
  bool v6 = false;
  /// "a.b.c.d:port" or "[x::y]:port".
  std::string to_string() const;
};

/// Splits "host:port" / "[v6]:port" and resolves the host with the system
/// resolver, keeping the first result (as liner does). nullopt on failure.
std::optional<endpoint> resolve(const std::string& host_port);

/// A listening TCP socket (SO_REUSEADDR, non-blocking) bound to `at`.
/// On failure returns -1 and sets `error` to the OS text, liner style
/// ("Address already in use (os error 98)").
int listen_on(const endpoint& at, std::string& error);

/// The local address of a bound socket.
std::optional<endpoint> local_endpoint(int fd);

/// Connects to "host:port" within `timeout` (non-blocking connect + poll);
/// returns the connected socket with TCP_NODELAY set, or -1 and `error`.
/// `refused` tells whether nothing listened there (ECONNREFUSED), as
/// opposed to a timeout or an unreachable host.
int connect_with_timeout(const std::string& host_port, std::chrono::milliseconds timeout,
                         std::string& error, bool* refused = nullptr);

/// A TCP port of 127.0.0.1 that was free a moment ago (bound to port 0 and
/// released), for tools and tests that must name a port before binding.
/// Throws std::runtime_error if no socket can be bound.
uint16_t free_loopback_port();

/// Turns Nagle's algorithm off (small frames such as acks go out at once).
void set_nodelay(int fd);

/// Watches a connected TCP socket for a peer that vanished without a FIN
/// or RST: written bytes the peer's kernel does not acknowledge within
/// `peer_timeout` end the connection (TCP_USER_TIMEOUT), and an idle one is
/// probed (SO_KEEPALIVE: first probe after half of it, then three probes
/// spread over the other half; whole seconds, at least 1). Best effort:
/// an option the kernel refuses is skipped.
void set_liveness(int fd, std::chrono::milliseconds peer_timeout);

/// Writes what a non-blocking socket takes now, without waiting: the bytes
/// written (0 if its buffer is full), or -1 on an error (the caller leaves
/// the bytes to its event loop, which reports the broken connection).
long send_now(int fd, const char* data, std::size_t size);

/// liner's rendering of an errno value: "<strerror> (os error N)".
std::string os_error(int err);

} // namespace liner::net
