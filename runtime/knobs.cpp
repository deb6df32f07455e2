#include "runtime/knobs.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace liner::knobs {

namespace {

constexpr long long max_timeout_ms = defaults::max_timeout.count();
constexpr long long max_bytes = 1ll << 50; // far above any real buffer, below overflow

// A LINER_* variable holding a whole number: its range and the value used
// when it is unset or wrong.
struct env_number {
  const char* name;
  long long min;
  long long max;
  long long fallback;
  const char* unit;
};

constexpr env_number env_numbers[] = {
  {"LINER_STORE_TIMEOUT_MS", 1, max_timeout_ms, defaults::store_timeout.count(), "ms"},
  {"LINER_SEND_TIMEOUT_MS", 0, max_timeout_ms, defaults::send_timeout.count(), "ms"},
  {"LINER_FIRST_FRAME_TIMEOUT_MS", 1, max_timeout_ms, defaults::first_frame_timeout.count(), "ms"},
  {"LINER_HEARTBEAT_MS", 0, max_timeout_ms, defaults::heartbeat_interval.count(), "ms"},
  {"LINER_PEER_TIMEOUT_MS", defaults::peer_timeout_min.count(), max_timeout_ms,
   defaults::peer_timeout.count(), "ms"},
  {"LINER_SEND_BUFFER", 0, max_bytes, static_cast<long long>(defaults::send_buffer), "bytes"},
  {"LINER_INBOUND_BUDGET", 1, max_bytes, static_cast<long long>(defaults::inbound_budget), "bytes"},
  {"LINER_MAX_INBOUND_CONNECTIONS", 1, 1'000'000,
   static_cast<long long>(defaults::max_inbound_connections), "connections"},
};

// The variable's value when it is set to a whole number in range; else the
// fallback, and `problem` (when given) says why in one line.
long long read_env(const env_number& v, std::string* problem = nullptr) {
  const char* env = std::getenv(v.name);
  if (!env || !*env)
    return v.fallback;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(env, &end, 10);
  if (end != env && *end == '\0' && errno != ERANGE && n >= v.min && n <= v.max)
    return n;
  if (problem)
    *problem = std::string(v.name) + "=" + env + " is not a whole number from "
               + std::to_string(v.min) + " to " + std::to_string(v.max) + " (" + v.unit
               + "); using " + std::to_string(v.fallback);
  return v.fallback;
}

template <class T>
T from_env(std::string_view name) {
  for (const auto& v : env_numbers)
    if (name == v.name)
      return static_cast<T>(read_env(v));
  return T{}; // not reached: every caller names a row of the table
}

std::atomic<std::size_t> max_message_size_{default_max_message_size};
std::atomic<std::size_t> compress_threshold_{default_compress_threshold};
std::atomic<std::size_t> max_send_queue_{defaults::max_send_queue};
std::atomic<std::size_t> send_buffer_{from_env<std::size_t>("LINER_SEND_BUFFER")};
std::atomic<std::chrono::milliseconds::rep> send_timeout_{
  from_env<std::chrono::milliseconds::rep>("LINER_SEND_TIMEOUT_MS")};
std::atomic<std::chrono::milliseconds::rep> store_timeout_{
  from_env<std::chrono::milliseconds::rep>("LINER_STORE_TIMEOUT_MS")};
std::atomic<std::size_t> inbound_budget_{from_env<std::size_t>("LINER_INBOUND_BUDGET")};
std::atomic<std::size_t> max_inbound_connections_{
  from_env<std::size_t>("LINER_MAX_INBOUND_CONNECTIONS")};
std::atomic<std::chrono::milliseconds::rep> first_frame_timeout_{
  from_env<std::chrono::milliseconds::rep>("LINER_FIRST_FRAME_TIMEOUT_MS")};

std::atomic<std::chrono::milliseconds::rep> heartbeat_interval_{
  from_env<std::chrono::milliseconds::rep>("LINER_HEARTBEAT_MS")};
std::atomic<std::chrono::milliseconds::rep> peer_timeout_{
  from_env<std::chrono::milliseconds::rep>("LINER_PEER_TIMEOUT_MS")};

bool timeout_in_range(std::chrono::milliseconds t, long long min) {
  return t.count() >= min && t.count() <= max_timeout_ms;
}

} // namespace

std::vector<std::string> environment_problems() {
  std::vector<std::string> out;
  for (const auto& v : env_numbers) {
    std::string problem;
    read_env(v, &problem);
    if (!problem.empty())
      out.push_back(std::move(problem));
  }
  return out;
}

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
  if (!timeout_in_range(t, 0))
    return false;
  send_timeout_.store(t.count(), std::memory_order_relaxed);
  return true;
}

std::chrono::milliseconds store_timeout() {
  return std::chrono::milliseconds{store_timeout_.load(std::memory_order_relaxed)};
}

bool set_store_timeout(std::chrono::milliseconds t) {
  if (!timeout_in_range(t, 1))
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
  if (!timeout_in_range(t, 1))
    return false;
  first_frame_timeout_.store(t.count(), std::memory_order_relaxed);
  return true;
}

std::chrono::milliseconds heartbeat_interval() {
  std::chrono::milliseconds t{heartbeat_interval_.load(std::memory_order_relaxed)};
  // LINER_HEARTBEAT_MS may say 1 to 9: taken as the smallest interval.
  return t.count() == 0 ? t : std::max(t, defaults::heartbeat_interval_min);
}

bool set_heartbeat_interval(std::chrono::milliseconds t) {
  if (t.count() != 0 && !timeout_in_range(t, defaults::heartbeat_interval_min.count()))
    return false;
  heartbeat_interval_.store(t.count(), std::memory_order_relaxed);
  return true;
}

std::chrono::milliseconds peer_timeout() {
  return std::chrono::milliseconds{peer_timeout_.load(std::memory_order_relaxed)};
}

bool set_peer_timeout(std::chrono::milliseconds t) {
  if (!timeout_in_range(t, defaults::peer_timeout_min.count()))
    return false;
  peer_timeout_.store(t.count(), std::memory_order_relaxed);
  return true;
}

} // namespace liner::knobs
