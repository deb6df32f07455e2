// Frames waiting for a route to write them. Senders append encoded frames to
// the last of a queue of chunks (byte buffers of defaults::outbox_chunk_size
// bytes; a bigger frame gets a chunk of its own); the route takes the oldest
// chunk and hands it to the socket whole, and the spent buffer it gets back
// returns to a process-wide pool. So a steady stream allocates nothing, and
// a burst never reallocates (and copies) what is already queued: the cost of
// a message does not depend on how many wait before it.
//
// Not thread-safe: route_state guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "runtime/buffer_pool.hpp"
#include "runtime/frame_codec.hpp"

namespace liner {

class outbox {
public:
  /// Where one appended frame lies (valid until the next call).
  struct span {
    const char* data;
    std::size_t size;
  };

  /// A chunk taken to be written, and what it holds.
  struct chunk {
    byte_buffer bytes;
    uint64_t last_number = 0; // of its last frame
    std::size_t frames = 0;
    std::size_t alo_frames = 0; // frames with the at-least-once flag
  };

  /// Encodes one frame (prefix, header, data as given) at the end.
  span append(const frame_header& header, const char* data, std::size_t size);

  /// The oldest chunk (empty bytes if nothing is queued).
  chunk take();

  bool empty() const { return chunks_.empty(); }
  /// Bytes queued.
  std::size_t bytes() const { return bytes_; }
  /// Frames queued, and how many of them are at-least-once.
  std::size_t frames() const { return frames_; }
  std::size_t alo_frames() const { return alo_frames_; }

  /// Drops every queued frame; the chunks go back to the pool.
  void clear();

  /// The process-wide pool of spent chunks: give a written-out buffer back.
  static buffer_pool& spares();

private:
  std::deque<chunk> chunks_;
  std::size_t frames_ = 0;
  std::size_t alo_frames_ = 0;
  std::size_t bytes_ = 0;
};

} // namespace liner
