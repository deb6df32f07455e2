// liner's wire frame (spec section 5): encoding, and an incremental decoder
// that cuts complete frames out of arbitrary TCP chunks.
//
//   u32 frame_len | u64 number | i32 connection_key | i32 topic_key | u8 flags
//   | u32 data_len | data            (all big-endian; frame_len counts from number)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/big_endian.hpp"
#include "runtime/knobs.hpp"

namespace liner {

using byte_buffer = std::vector<char>;

namespace frame_flags {
inline constexpr uint8_t compressed = 0x01;
inline constexpr uint8_t at_least_once = 0x02;
} // namespace frame_flags

inline constexpr std::size_t frame_prefix_size = 4;  // frame_len
inline constexpr std::size_t frame_header_size = 17; // number, keys, flags
inline constexpr std::size_t frame_min_body = 21;    // header + data_len

struct frame_header {
  uint64_t number = 0;
  int32_t connection_key = 0;
  int32_t topic_key = 0;
  uint8_t flags = 0;
};

/// One frame cut from a stream. `data` points into a buffer that is only
/// valid during the decoder's callback; it is still compressed when the
/// COMPRESS flag is set (see open_payload).
struct frame_view {
  frame_header header;
  const char* data = nullptr;
  uint32_t size = 0;

  bool compressed() const { return (header.flags & frame_flags::compressed) != 0; }
  bool at_least_once() const { return (header.flags & frame_flags::at_least_once) != 0; }
};

/// A message made ready for the wire: zstd-compressed (COMPRESS set) when it
/// is larger than knobs::compress_threshold() and zstd succeeds, else as is
/// (liner's rule). `data` points into `packed` or at the caller's bytes.
struct wire_payload {
  uint8_t flags = 0;
  const char* data = nullptr;
  std::size_t size = 0;
  byte_buffer packed;
};
wire_payload prepare_payload(const char* data, std::size_t size, bool at_least_once);

/// Bytes of a whole frame (length prefix included) carrying `data_size` bytes.
constexpr std::size_t frame_encoded_size(std::size_t data_size) {
  return frame_prefix_size + frame_min_body + data_size;
}

/// Appends one whole frame, length prefix included, to `out`; the data is
/// written as given (see prepare_payload) and the flags as in `header`.
void encode_frame(byte_buffer& out, const frame_header& header, const char* data,
                  std::size_t size);

/// The message bytes of a frame: its data, decompressed when COMPRESS is
/// set. Appends to `out`; on a decompression failure returns false and sets
/// `error` (never an empty payload in place of the real one).
bool open_payload(const frame_view& frame, byte_buffer& out, std::string& error);

/// Decodes one complete frame held in [p, p+n) (prefix included). Returns
/// false with `error` set if it is not exactly one valid frame.
bool decode_frame(const char* p, std::size_t n, frame_view& out, std::string& error);

/// Cuts frames out of a byte stream fed in arbitrary chunks. A malformed
/// length or body poisons the decoder: the connection must be closed. The
/// length is checked against knobs::max_message_size() and
/// knobs::inbound_budget() as soon as its four bytes are in, before
/// anything is buffered for the body.
class frame_decoder {
public:
  /// Calls on_frame(const frame_view&) for each complete frame in order.
  /// Returns false (and stops) at the first malformed frame.
  template <class OnFrame>
  bool feed(const char* p, std::size_t n, OnFrame&& on_frame) {
    if (failed())
      return false;
    if (!pending_.empty()) {
      auto used = fill_pending(p, n);
      p += used;
      n -= used;
      if (failed())
        return false;
      if (!pending_complete())
        return true;
      frame_view f;
      if (!parse_body(pending_.data() + frame_prefix_size,
                      pending_.size() - frame_prefix_size, f))
        return false;
      on_frame(static_cast<const frame_view&>(f));
      release_pending();
    }
    while (n >= frame_prefix_size) {
      auto len = big_endian::read_u32(p);
      if (!check_length(len))
        return false;
      if (n - frame_prefix_size < len)
        break;
      frame_view f;
      if (!parse_body(p + frame_prefix_size, len, f))
        return false;
      on_frame(static_cast<const frame_view&>(f));
      p += frame_prefix_size + len;
      n -= frame_prefix_size + len;
    }
    if (n >= frame_prefix_size) // its length was checked above
      pending_.reserve(frame_prefix_size + big_endian::read_u32(p));
    pending_.insert(pending_.end(), p, p + n);
    return true;
  }

  bool failed() const { return !error_.empty(); }

  /// Why the stream was rejected (liner's log texts), empty while healthy.
  const std::string& error() const { return error_; }

  /// Bytes of an incomplete frame held back for the next feed.
  std::size_t buffered() const { return pending_.size(); }
  /// Memory held for it, what an inbound budget counts: room for the whole
  /// announced frame is reserved once its body starts (its pages become
  /// resident only as the bytes arrive).
  std::size_t held() const { return pending_.capacity(); }

private:
  std::size_t fill_pending(const char* p, std::size_t n);
  bool pending_complete() const;
  void release_pending();
  bool check_length(uint32_t len);
  bool parse_body(const char* body, std::size_t len, frame_view& out);

  byte_buffer pending_;
  std::string error_;
};

} // namespace liner
