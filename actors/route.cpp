#include "actors/route.hpp"

#include <algorithm>
#include <random>

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
                         std::string first_topic, uint64_t counter, bool queue_in_store,
                         bool durable)
  : ck(ck), listener_name(std::move(listener_name)),
    first_topic(std::move(first_topic)), epoch(random_epoch()), first_number(counter + 1),
    durable(durable), addr_(std::move(addr)), saved_through_(counter), counter_(counter),
    taken_(counter), queue_in_store_(queue_in_store),
    offline_(queue_in_store) { // a stored queue goes out before anything new
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
                                    bool at_least_once, when_full full, bool& wake,
                                    uint64_t* number_out, bool save) {
  // Compress outside the lock: it is the slow part of a big send.
  auto body = prepare_payload(data, size, at_least_once);

  std::unique_lock<std::mutex> guard{mutex_};
  if (closed_)
    return enqueue_result::closed;
  auto cap = knobs::max_send_queue();
  auto queued = outbox_.frames() + unacked_.size() - outbox_.alo_frames();
  if (cap > 0 && queued >= cap)
    return enqueue_result::busy;
  auto limit = knobs::send_buffer();
  // Offline, an at-least-once frame waits for the store, not for the socket.
  auto saved_later = [&] { return offline_ && at_least_once; };
  auto full_now = [&] {
    return (saved_later() ? unsaved_bytes_ : outbox_.bytes()) >= limit;
  };
  if (limit > 0 && full != when_full::queue && full_now()) {
    auto timeout = knobs::send_timeout();
    if (full == when_full::refuse || timeout.count() == 0)
      return enqueue_result::busy;
    ++waiting_;
    bool room = room_.wait_for(guard, timeout, [&] { return closed_ || !full_now(); });
    --waiting_;
    if (closed_)
      return enqueue_result::closed;
    if (!room)
      return enqueue_result::busy;
  }
  auto number = ++counter_;
  if (number_out)
    *number_out = number;
  if (saved_later()) {
    // Taken at once, as if written and lost: the route actor saves it, and
    // the next replay writes it (from memory or from the store) in order.
    byte_buffer bytes;
    encode_frame(bytes, {number, ck, topic_key, body.flags}, body.data, body.size);
    taken_ = number;
    unsaved_bytes_ += bytes.size();
    unacked_.push_back({number, std::move(bytes), 0});
    wake = !save_wake_pending_;
    save_wake_pending_ = true;
    return enqueue_result::ok;
  }
  auto frame = outbox_.append({number, ck, topic_key, body.flags}, body.data, body.size);
  wake = !wake_pending_;
  wake_pending_ = true;
  if (at_least_once) {
    unacked_.push_back({number, byte_buffer(frame.data, frame.data + frame.size), 0});
    if (durable || save) { // saved now, online too: the same wake asks the route actor for both
      wake = wake || !save_wake_pending_;
      save_wake_pending_ = true;
    }
  }
  return enqueue_result::ok;
}

bool route_state::wait_saved(uint64_t number, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> guard{mutex_};
  if (number <= saved_through_ || number <= acked_)
    return true;
  save_waiter me;
  me.number = number;
  save_waiters_.push_back(&me);
  bool saved = me.cv.wait_until(guard, deadline, [&] { return me.done; });
  if (!saved)
    save_waiters_.erase(std::find(save_waiters_.begin(), save_waiters_.end(), &me));
  return saved;
}

void route_state::release_saved() {
  auto through = std::max(saved_through_, acked_);
  auto covered = [&](save_waiter* w) {
    if (w->number > through)
      return false;
    w->done = true;
    w->cv.notify_one();
    return true;
  };
  save_waiters_.erase(std::remove_if(save_waiters_.begin(), save_waiters_.end(), covered),
                      save_waiters_.end());
}

byte_buffer route_state::take_outbox() {
  std::lock_guard<std::mutex> guard{mutex_};
  auto chunk = outbox_.take();
  // Never lower: frames queued here while the route was offline (run's
  // best-effort client_connected, say) are numbered below the at-least-once
  // ones sent after them, which the replay has already written.
  if (chunk.frames > 0)
    taken_ = std::max(taken_, chunk.last_number);
  wake_pending_ = !outbox_.empty();
  if (waiting_ > 0 && chunk.frames > 0)
    room_.notify_all();
  return std::move(chunk.bytes);
}

std::optional<int64_t> route_state::apply_ack(uint64_t number) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (number > taken_)
    return std::nullopt; // more than was ever written: forged or confused
  if (number > acked_)
    acked_ = number;
  if (!save_waiters_.empty())
    release_saved();
  int64_t top_id = 0;
  while (!unacked_.empty() && unacked_.front().number <= acked_) {
    top_id = std::max(top_id, unacked_.front().store_id);
    unacked_.pop_front();
  }
  return top_id;
}

uint64_t route_state::written() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return taken_;
}

uint64_t route_state::acked() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return acked_;
}

void route_state::stream_lost() {
  std::lock_guard<std::mutex> guard{mutex_};
  outbox_.clear();
  if (waiting_ > 0)
    room_.notify_all();
  wake_pending_ = false;
  taken_ = counter_; // the replay writes the at-least-once ones again
  unacked_.erase(std::remove_if(unacked_.begin(), unacked_.end(),
                                [](const queued_frame& f) { return f.store_id > 0; }),
                 unacked_.end());
  offline_ = true;
  unsaved_bytes_ = 0;
  for (auto& f : unacked_)
    unsaved_bytes_ += f.bytes.size();
}

bool route_state::save_wanted() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return save_wake_pending_;
}

bool route_state::offline() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return offline_;
}

std::vector<byte_buffer> route_state::begin_save() {
  std::lock_guard<std::mutex> guard{mutex_};
  save_wake_pending_ = false; // frames queued from now on ring again
  std::vector<byte_buffer> out;
  for (auto& f : unacked_)
    if (f.store_id == 0 && f.number > acked_) {
      f.saving = true;
      out.push_back(f.bytes);
      saving_through_ = f.number;
    }
  return out;
}

int64_t route_state::end_save(const std::vector<int64_t>* ids) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (!ids) {
    for (auto& f : unacked_)
      f.saving = false;
    return 0;
  }
  queue_in_store_ = true;
  // Every frame numbered up to the last one saved is in the store now, or
  // was acked (begin_save took all the others).
  saved_through_ = std::max(saved_through_, saving_through_);
  if (!save_waiters_.empty())
    release_saved();
  // Acks pop from the front: the frames still saving are the last of the
  // saved ones, and the rows before theirs hold frames acked meanwhile.
  auto saving = static_cast<std::size_t>(
    std::count_if(unacked_.begin(), unacked_.end(), [](const queued_frame& f) { return f.saving; }));
  auto first = ids->size() - std::min(saving, ids->size());
  int64_t acked_rows = first > 0 ? (*ids)[first - 1] : 0;
  if (!offline_) {
    for (auto& f : unacked_)
      if (f.saving) {
        f.saving = false;
        f.store_id = first < ids->size() ? (*ids)[first++] : 0;
      }
    return acked_rows;
  }
  std::size_t freed = 0;
  unacked_.erase(std::remove_if(unacked_.begin(), unacked_.end(),
                                [&](const queued_frame& f) {
                                  freed += f.saving ? f.bytes.size() : 0;
                                  return f.saving;
                                }),
                 unacked_.end());
  unsaved_bytes_ -= std::min(unsaved_bytes_, freed);
  if (waiting_ > 0)
    room_.notify_all();
  return acked_rows;
}

std::size_t route_state::unsaved_count() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return static_cast<std::size_t>(std::count_if(unacked_.begin(), unacked_.end(), [&](const queued_frame& f) {
    return f.store_id == 0 && f.number > acked_;
  }));
}

bool route_state::queue_in_store() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return queue_in_store_;
}

bool route_state::waiting_for_ack() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return !unacked_.empty();
}

std::size_t route_state::unacked_up_to(uint64_t number) const {
  std::lock_guard<std::mutex> guard{mutex_};
  // In number order: replay_frames merges sorted, senders append higher numbers.
  auto end = std::upper_bound(unacked_.begin(), unacked_.end(), number,
                              [](uint64_t n, const queued_frame& f) { return n < f.number; });
  return static_cast<std::size_t>(end - unacked_.begin());
}

std::vector<queued_frame> route_state::replay_frames(std::vector<queued_frame> stored,
                                                     uint64_t after, uint64_t up_to, bool last) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (last) {
    offline_ = false;
    unsaved_bytes_ = 0;
    save_wake_pending_ = false;
    if (waiting_ > 0)
      room_.notify_all(); // they wait for the outbox now
  }
  // Stored frames numbered above taken_ are in the outbox too (durable mode
  // saves frames queued before the first connect): the outbox writes them.
  std::vector<queued_frame> out;
  for (auto& f : stored)
    if (f.number > acked_ && f.number <= taken_)
      out.push_back(std::move(f));
  auto low = std::max(after, acked_);
  auto high = std::min(up_to, taken_);
  for (auto& f : unacked_)
    if (f.store_id == 0 && f.number > low && f.number <= high)
      out.push_back({f.number, f.bytes, 0, false});
  std::stable_sort(out.begin(), out.end(),
                   [](const queued_frame& a, const queued_frame& b) { return a.number < b.number; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const queued_frame& a, const queued_frame& b) { return a.number == b.number; }),
            out.end());
  // Memory keeps every unacked frame once: stored ones join it, in order.
  std::deque<queued_frame> merged;
  for (auto& f : out)
    if (f.store_id > 0)
      merged.push_back({f.number, f.bytes, f.store_id, false});
  for (auto& f : unacked_)
    merged.push_back(std::move(f));
  std::stable_sort(merged.begin(), merged.end(),
                   [](const queued_frame& a, const queued_frame& b) { return a.number < b.number; });
  unacked_ = std::move(merged);
  return out;
}

route_load route_state::load() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return {outbox_.frames(), unacked_.size(), acked_};
}

void route_state::close() {
  std::lock_guard<std::mutex> guard{mutex_};
  closed_ = true;
  room_.notify_all();
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

bool route_state::add_topic(const std::string& topic) {
  std::lock_guard<std::mutex> guard{mutex_};
  return topics_.insert(topic).second;
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
