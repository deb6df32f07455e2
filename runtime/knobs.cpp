#include "runtime/knobs.hpp"

#include <atomic>
#include <cstdlib>

namespace liner::knobs {

namespace {

// A positive (or, with `zero_ok`, non-negative) integer from the
// environment variable `name`, else `fallback`.
template <class T>
T from_env(const char* name, T fallback, bool zero_ok = false) {
  if (const char* env = std::getenv(name)) {
    char* end = nullptr;
    long long v = std::strtoll(env, &end, 10);
    if (end != env && *end == '\0' && (v > 0 || (zero_ok && v == 0)))
      return static_cast<T>(v);
  }
  return fallback;
}

std::chrono::milliseconds::rep initial_store_timeout() {
  return from_env("LINER_STORE_TIMEOUT_MS", defaults::store_timeout.count());
}

std::atomic<std::size_t> max_message_size_{default_max_message_size};
std::atomic<std::size_t> compress_threshold_{default_compress_threshold};
std::atomic<std::size_t> max_send_queue_{defaults::max_send_queue};
std::atomic<std::size_t> send_buffer_{from_env("LINER_SEND_BUFFER", defaults::send_buffer, true)};
std::atomic<std::chrono::milliseconds::rep> send_timeout_{
  from_env("LINER_SEND_TIMEOUT_MS", defaults::send_timeout.count(), true)};
std::atomic<std::chrono::milliseconds::rep> store_timeout_{initial_store_timeout()};
std::atomic<std::size_t> inbound_budget_{from_env("LINER_INBOUND_BUDGET", defaults::inbound_budget)};
std::atomic<std::size_t> max_inbound_connections_{
  from_env("LINER_MAX_INBOUND_CONNECTIONS", defaults::max_inbound_connections)};
std::atomic<std::chrono::milliseconds::rep> first_frame_timeout_{
  from_env("LINER_FIRST_FRAME_TIMEOUT_MS", defaults::first_frame_timeout.count())};

} // namespace

std::size_t max_message_size() {
  return max_message_size_.load(std::memory_order_relaxed);
}

bool set_max_message_size(std::size_t n) {
  if (n == 0)
    return false;
  max_message_size_.store(n, std::memory_order_relaxed);
  return true;
}

std::size_t compress_threshold() {
  return compress_threshold_.load(std::memory_order_relaxed);
}

bool set_compress_threshold(std::size_t n) {
  if (n == 0)
    return false;
  compress_threshold_.store(n, std::memory_order_relaxed);
  return true;
}

std::size_t max_send_queue() {
  return max_send_queue_.load(std::memory_order_relaxed);
}

void set_max_send_queue(std::size_t n) {
  max_send_queue_.store(n, std::memory_order_relaxed);
}

std::size_t send_buffer() {
  return send_buffer_.load(std::memory_order_relaxed);
}

void set_send_buffer(std::size_t n) {
  send_buffer_.store(n, std::memory_order_relaxed);
}

std::chrono::milliseconds send_timeout() {
  return std::chrono::milliseconds{send_timeout_.load(std::memory_order_relaxed)};
}

bool set_send_timeout(std::chrono::milliseconds t) {
  if (t.count() < 0)
    return false;
  send_timeout_.store(t.count(), std::memory_order_relaxed);
  return true;
}

std::chrono::milliseconds store_timeout() {
  return std::chrono::milliseconds{store_timeout_.load(std::memory_order_relaxed)};
}

bool set_store_timeout(std::chrono::milliseconds t) {
  if (t.count() <= 0)
    return false;
  store_timeout_.store(t.count(), std::memory_order_relaxed);
  return true;
}

std::size_t inbound_budget() {
  return inbound_budget_.load(std::memory_order_relaxed);
}

bool set_inbound_budget(std::size_t n) {
  if (n == 0)
    return false;
  inbound_budget_.store(n, std::memory_order_relaxed);
  return true;
}

std::size_t max_inbound_connections() {
  return max_inbound_connections_.load(std::memory_order_relaxed);
}

bool set_max_inbound_connections(std::size_t n) {
  if (n == 0)
    return false;
  max_inbound_connections_.store(n, std::memory_order_relaxed);
  return true;
}

std::chrono::milliseconds first_frame_timeout() {
  return std::chrono::milliseconds{first_frame_timeout_.load(std::memory_order_relaxed)};
}

bool set_first_frame_timeout(std::chrono::milliseconds t) {
  if (t.count() <= 0)
    return false;
  first_frame_timeout_.store(t.count(), std::memory_order_relaxed);
  return true;
}

} // namespace liner::knobs
