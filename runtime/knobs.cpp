#include "runtime/knobs.hpp"

#include <atomic>

namespace liner::knobs {

namespace {
std::atomic<std::size_t> max_message_size_{default_max_message_size};
std::atomic<std::size_t> compress_threshold_{default_compress_threshold};
std::atomic<std::size_t> max_send_queue_{0};
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

} // namespace liner::knobs
