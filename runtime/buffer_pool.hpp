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
    b.clear();
    b.reserve(n);
    return b;
  }

  /// A buffer of exactly `n` bytes whose content is left over from its last
  /// use (kept ones are given back at that size, see give_sized), so taking
  /// it costs no zero-fill; a new one is zero-filled once.
  byte_buffer take_sized(std::size_t n) {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      for (auto it = free_.rbegin(); it != free_.rend(); ++it)
        if (it->size() == n) {
          auto b = std::move(*it);
          free_.erase(std::next(it).base());
          bytes_ -= b.capacity();
          return b;
        }
    }
    return byte_buffer(n);
  }

  /// Keeps `b` for take_sized(n): grown back to `n` bytes here, on the
  /// giver's thread, not on the taker's.
  void give_sized(byte_buffer&& b, std::size_t n) {
    if (b.capacity() < n)
      return;
    b.resize(n);
    keep(std::move(b));
  }

  /// Keeps `b` for reuse, emptied, if the pool has room for it.
  void give(byte_buffer&& b) {
    if (b.capacity() == 0)
      return;
    b.clear();
    keep(std::move(b));
  }

private:
  void keep(byte_buffer&& b) {
    auto cap = b.capacity();
    std::lock_guard<std::mutex> guard{mutex_};
    if (free_.size() < max_kept_ && bytes_ + cap <= max_bytes_) {
      bytes_ += cap;
      free_.push_back(std::move(b));
    }
  }

  const std::size_t max_kept_;
  const std::size_t max_bytes_;
  std::mutex mutex_;
  std::vector<byte_buffer> free_;
  std::size_t bytes_ = 0; // capacity kept in free_
};

} // namespace liner
