#include "runtime/knobs.hpp"

#include <atomic>
#include <cstdlib>

namespace liner::knobs {

namespace {

std::chrono::milliseconds::rep initial_store_timeout() {
  if (const char* env = std::getenv("LINER_STORE_TIMEOUT_MS")) {
    char* end = nullptr;
    long long ms = std::strtoll(env, &end, 10);
    if (end != env && *end == '\0' && ms > 0)
      return ms;
  }
  return defaults::store_timeout.count();
}

std::atomic<std::size_t> max_message_size_{default_max_message_size};
std::atomic<std::size_t> compress_threshold_{default_compress_threshold};
std::atomic<std::size_t> max_send_queue_{defaults::max_send_queue};
std::atomic<std::chrono::milliseconds::rep> store_timeout_{initial_store_timeout()};

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

std::chrono::milliseconds store_timeout() {
  return std::chrono::milliseconds{store_timeout_.load(std::memory_order_relaxed)};
}

bool set_store_timeout(std::chrono::milliseconds t) {
  if (t.count() <= 0)
    return false;
  store_timeout_.store(t.count(), std::memory_order_relaxed);
  return true;
}

} // namespace liner::knobs
