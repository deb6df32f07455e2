#include "actors/route.hpp"

#include <random>

#include "runtime/compression.hpp"
#include "runtime/knobs.hpp"

namespace liner {

namespace {
uint64_t random_epoch() {
  static std::mutex m;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> guard{m};
  return rng() >> 1; // keep it within JSON's comfortable integer range
}
} // namespace

route_state::route_state(std::string addr, int32_t ck, std::string listener_name,
                         std::string first_topic, uint64_t counter)
  : ck(ck), listener_name(std::move(listener_name)),
    first_topic(std::move(first_topic)), epoch(random_epoch()), first_number(counter + 1),
    addr_(std::move(addr)), counter_(counter) {
  topics_.insert(this->first_topic);
}

std::string route_state::addr() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return addr_;
}

void route_state::set_addr(std::string a) {
  std::lock_guard<std::mutex> guard{mutex_};
  addr_ = std::move(a);
}

enqueue_result route_state::enqueue(int32_t topic_key, const char* data, std::size_t size,
                                    bool at_least_once, bool& wake) {
  // Compress outside the lock: it is the slow part of a big send.
  byte_buffer packed;
  bool compressed = size > knobs::compress_threshold() && zstd_compress(data, size, packed);
  uint8_t flags = (at_least_once ? frame_flags::at_least_once : 0)
                  | (compressed ? frame_flags::compressed : 0);
  const char* body = compressed ? packed.data() : data;
  std::size_t body_size = compressed ? packed.size() : size;

  std::lock_guard<std::mutex> guard{mutex_};
  if (closed_)
    return enqueue_result::closed;
  auto cap = knobs::max_send_queue();
  auto queued = outbox_frames_ + unacked_.size() - alo_in_outbox_;
  if (cap > 0 && queued >= cap)
    return enqueue_result::busy;
  auto number = ++counter_;
  auto at = outbox_.size();
  encode_raw_frame(outbox_, {number, ck, topic_key, flags}, body, body_size);
  ++outbox_frames_;
  if (at_least_once) {
    unacked_.push_back({number, byte_buffer(outbox_.begin() + static_cast<std::ptrdiff_t>(at),
                                            outbox_.end()),
                        0});
    ++alo_in_outbox_;
  }
  wake = !wake_pending_;
  wake_pending_ = true;
  return enqueue_result::ok;
}

byte_buffer route_state::take_outbox() {
  std::lock_guard<std::mutex> guard{mutex_};
  byte_buffer out;
  out.swap(outbox_);
  outbox_.swap(spare_);
  outbox_frames_ = 0;
  alo_in_outbox_ = 0;
  wake_pending_ = false;
  return out;
}

void route_state::recycle(byte_buffer&& b) {
  constexpr std::size_t max_spare = 16 * 1024 * 1024;
  if (b.capacity() > max_spare)
    return;
  b.clear();
  std::lock_guard<std::mutex> guard{mutex_};
  if (b.capacity() > spare_.capacity())
    spare_.swap(b);
}

int64_t route_state::apply_ack(uint64_t number) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (number > acked_)
    acked_ = number;
  int64_t top_id = 0;
  while (!unacked_.empty() && unacked_.front().number <= acked_) {
    top_id = std::max(top_id, unacked_.front().store_id);
    unacked_.pop_front();
  }
  return top_id;
}

uint64_t route_state::acked() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return acked_;
}

std::vector<byte_buffer> route_state::drain_unstored() {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<byte_buffer> out;
  for (auto& f : unacked_)
    if (f.store_id == 0 && f.number > acked_)
      out.push_back(std::move(f.bytes));
  unacked_.clear();
  outbox_.clear();
  outbox_frames_ = 0;
  alo_in_outbox_ = 0;
  wake_pending_ = false;
  return out;
}

void route_state::prepend_stored(std::vector<queued_frame> stored) {
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto it = stored.rbegin(); it != stored.rend(); ++it)
    if (it->number > acked_)
      unacked_.push_front(std::move(*it));
}

void route_state::close() {
  std::lock_guard<std::mutex> guard{mutex_};
  closed_ = true;
}

void route_state::set_actor(caf::actor a) {
  std::lock_guard<std::mutex> guard{mutex_};
  actor_ = std::move(a);
}

caf::actor route_state::actor() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return actor_;
}

caf::actor route_state::release_actor() {
  std::lock_guard<std::mutex> guard{mutex_};
  caf::actor a;
  std::swap(a, actor_);
  return a;
}

void route_state::add_topic(const std::string& topic) {
  std::lock_guard<std::mutex> guard{mutex_};
  topics_.insert(topic);
}

void route_state::forget_topic(const std::string& topic) {
  std::lock_guard<std::mutex> guard{mutex_};
  topics_.erase(topic);
}

std::set<std::string> route_state::topics() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return topics_;
}

bool route_state::has_topic(const std::string& topic) const {
  std::lock_guard<std::mutex> guard{mutex_};
  return topics_.count(topic) != 0;
}

} // namespace liner
