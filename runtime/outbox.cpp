#include "runtime/outbox.hpp"

#include <algorithm>

#include "runtime/defaults.hpp"

namespace liner {

buffer_pool& outbox::spares() {
  static buffer_pool pool{defaults::outbox_spare_chunks, defaults::outbox_spare_bytes};
  return pool;
}

outbox::span outbox::append(const frame_header& header, const char* data, std::size_t size) {
  auto n = frame_encoded_size(size);
  if (chunks_.empty() || chunks_.back().bytes.capacity() - chunks_.back().bytes.size() < n)
    chunks_.push_back({spares().take(std::max(n, defaults::outbox_chunk_size))});
  auto& c = chunks_.back();
  auto at = c.bytes.size();
  encode_frame(c.bytes, header, data, size); // within capacity: no reallocation
  c.last_number = header.number;
  ++c.frames;
  ++frames_;
  bytes_ += n;
  if (header.flags & frame_flags::at_least_once) {
    ++c.alo_frames;
    ++alo_frames_;
  }
  return {c.bytes.data() + at, n};
}

outbox::chunk outbox::take() {
  if (chunks_.empty())
    return {};
  auto c = std::move(chunks_.front());
  chunks_.pop_front();
  frames_ -= c.frames;
  bytes_ -= c.bytes.size();
  alo_frames_ -= c.alo_frames;
  return c;
}

void outbox::clear() {
  for (auto& c : chunks_)
    spares().give(std::move(c.bytes));
  chunks_.clear();
  frames_ = 0;
  alo_frames_ = 0;
  bytes_ = 0;
}

} // namespace liner
