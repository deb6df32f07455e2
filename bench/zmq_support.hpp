// Small RAII wrappers over libzmq for the ZeroMQ workloads: a context, a
// socket (linger 0), a message, and a receiver thread that feeds a counter.
#pragma once

#include "harness.hpp"

#include <zmq.h>

#include <cerrno>
#include <stdexcept>
#include <string>

namespace bench::zmq {

[[noreturn]] inline void fail(const std::string& what) {
  throw std::runtime_error("zmq: " + what + ": " + zmq_strerror(zmq_errno()));
}

class zctx {
public:
  zctx() : p_(zmq_ctx_new()) {
    if (!p_)
      fail("zmq_ctx_new");
  }
  ~zctx() { zmq_ctx_term(p_); }
  zctx(const zctx&) = delete;
  zctx& operator=(const zctx&) = delete;
  void* get() const { return p_; }

private:
  void* p_;
};

class zsock {
public:
  zsock(zctx& c, int type) : s_(zmq_socket(c.get(), type)) {
    if (!s_)
      fail("zmq_socket");
    set(ZMQ_LINGER, 0); // teardown never waits for unsent messages
  }
  ~zsock() { zmq_close(s_); }
  zsock(const zsock&) = delete;
  zsock& operator=(const zsock&) = delete;

  void set(int option, int value) {
    if (zmq_setsockopt(s_, option, &value, sizeof value) != 0)
      fail("zmq_setsockopt");
  }
  void subscribe_all() {
    if (zmq_setsockopt(s_, ZMQ_SUBSCRIBE, "", 0) != 0)
      fail("ZMQ_SUBSCRIBE");
  }
  /// Binds to `endpoint`; false when the address is still in use.
  bool bind(const std::string& endpoint) {
    if (zmq_bind(s_, endpoint.c_str()) == 0)
      return true;
    if (zmq_errno() == EADDRINUSE)
      return false;
    fail("zmq_bind " + endpoint);
  }
  /// Binds to a free port of 127.0.0.1 and returns the endpoint.
  std::string bind_any() {
    bind("tcp://127.0.0.1:*");
    char buf[256];
    std::size_t len = sizeof buf;
    if (zmq_getsockopt(s_, ZMQ_LAST_ENDPOINT, buf, &len) != 0)
      fail("ZMQ_LAST_ENDPOINT");
    return buf;
  }
  void connect(const std::string& endpoint) {
    if (zmq_connect(s_, endpoint.c_str()) != 0)
      fail("zmq_connect " + endpoint);
  }
  /// Blocking send (waits at the high-water mark); flags may add ZMQ_DONTWAIT,
  /// then false means EAGAIN.
  bool send(const void* data, std::size_t size, int flags = 0) {
    for (;;) {
      if (zmq_send(s_, data, size, flags) >= 0)
        return true;
      if (zmq_errno() == EAGAIN && (flags & ZMQ_DONTWAIT))
        return false;
      if (zmq_errno() != EINTR)
        fail("zmq_send");
    }
  }
  void send(const payload& p) { send(p.data(), p.size()); }
  /// The end mark for receiver threads: an empty message.
  void send_end() { send("", 0); }
  /// Receives one message into `m`; false on timeout (ZMQ_RCVTIMEO).
  bool recv(zmq_msg_t& m) {
    for (;;) {
      if (zmq_msg_recv(&m, s_, 0) >= 0)
        return true;
      if (zmq_errno() == EAGAIN)
        return false;
      if (zmq_errno() != EINTR)
        fail("zmq_msg_recv");
    }
  }

private:
  void* s_;
};

class zmsg {
public:
  zmsg() { zmq_msg_init(&m_); }
  ~zmsg() { zmq_msg_close(&m_); }
  zmq_msg_t& get() { return m_; }
  const char* data() { return static_cast<const char*>(zmq_msg_data(&m_)); }
  std::size_t size() { return zmq_msg_size(&m_); }

private:
  zmq_msg_t m_;
};

/// Feeds `c` from `s` on a thread of its own until the end mark (an empty
/// message) or destruction (the thread looks at its stop flag every 200 ms).
class zreceiver {
public:
  zreceiver(zsock& s, counter& c)
    : thread_{[&s, &c](const std::atomic<bool>& stop) {
        s.set(ZMQ_RCVTIMEO, 200);
        zmsg m;
        while (!stop)
          if (s.recv(m.get())) {
            if (m.size() == 0)
              return;
            c.on_message(m.data(), m.size());
          }
      }} {}

private:
  background thread_;
};

inline int ms_of(clock::duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

} // namespace bench::zmq
