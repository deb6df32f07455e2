// Byte buffers kept for reuse. Hot paths hand big buffers from one thread to
// another; freeing and reallocating them costs page faults and munmap/brk
// calls per batch (measured: a third of the 1 KiB throughput), so whoever is
// done with a buffer gives it back. A pool keeps at most `max_kept` buffers
// and `max_bytes` of capacity in all; anything beyond is freed.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "runtime/frame_codec.hpp"

namespace liner {

class buffer_pool {
public:
  buffer_pool(std::size_t max_kept, std::size_t max_bytes)
    : max_kept_(max_kept), max_bytes_(max_bytes) {}

  /// An empty buffer, with capacity if one was given back.
  byte_buffer take() {
    std::lock_guard<std::mutex> guard{mutex_};
    if (free_.empty())
      return {};
    auto b = std::move(free_.back());
    free_.pop_back();
    bytes_ -= b.capacity();
    return b;
  }

  /// An empty buffer with room for at least `n` bytes (a kept one if one is
  /// big enough, else a new one).
  byte_buffer take(std::size_t n) {
    byte_buffer b;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      for (auto it = free_.rbegin(); it != free_.rend(); ++it)
        if (it->capacity() >= n) {
          b = std::move(*it);
          free_.erase(std::next(it).base());
          bytes_ -= b.capacity();
          break;
        }
    }
    b.reserve(n);
    return b;
  }

  /// Keeps `b` for reuse, emptied, if the pool has room for it.
  void give(byte_buffer&& b) {
    auto cap = b.capacity();
    if (cap == 0)
      return;
    b.clear();
    std::lock_guard<std::mutex> guard{mutex_};
    if (free_.size() < max_kept_ && bytes_ + cap <= max_bytes_) {
      bytes_ += cap;
      free_.push_back(std::move(b));
    }
  }

private:
  const std::size_t max_kept_;
  const std::size_t max_bytes_;
  std::mutex mutex_;
  std::vector<byte_buffer> free_;
  std::size_t bytes_ = 0; // capacity kept in free_
};

} // namespace liner
