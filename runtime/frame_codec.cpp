#include "runtime/frame_codec.hpp"

#include <algorithm>

#include "runtime/compression.hpp"

namespace liner {

namespace {

// Writes the prefix and the 17-byte header plus data_len into `out` at `at`.
void write_head(char* at, const frame_header& h, uint8_t flags, std::size_t data_size) {
  big_endian::write_u32(at, static_cast<uint32_t>(frame_min_body + data_size));
  big_endian::write_u64(at + 4, h.number);
  big_endian::write_u32(at + 12, static_cast<uint32_t>(h.connection_key));
  big_endian::write_u32(at + 16, static_cast<uint32_t>(h.topic_key));
  at[20] = static_cast<char>(flags);
  big_endian::write_u32(at + 21, static_cast<uint32_t>(data_size));
}

constexpr std::size_t head_size = frame_prefix_size + frame_min_body; // 25

} // namespace

void encode_frame(byte_buffer& out, const frame_header& header, const char* data,
                  std::size_t size) {
  char head[head_size];
  write_head(head, header, header.flags, size);
  out.insert(out.end(), head, head + head_size);
  out.insert(out.end(), data, data + size);
}

wire_payload prepare_payload(const char* data, std::size_t size, bool at_least_once) {
  wire_payload p;
  p.flags = at_least_once ? frame_flags::at_least_once : 0;
  if (size > knobs::compress_threshold() && zstd_compress(data, size, p.packed)) {
    p.flags |= frame_flags::compressed;
    p.data = p.packed.data();
    p.size = p.packed.size();
    return p;
  }
  p.data = data;
  p.size = size;
  return p;
}

bool open_payload(const frame_view& frame, byte_buffer& out, std::string& error) {
  if (!frame.compressed()) {
    out.insert(out.end(), frame.data, frame.data + frame.size);
    return true;
  }
  return zstd_decompress(frame.data, frame.size, knobs::max_message_size(), out, error);
}

bool decode_frame(const char* p, std::size_t n, frame_view& out, std::string& error) {
  frame_decoder dec;
  std::size_t count = 0;
  bool ok = dec.feed(p, n, [&](const frame_view& f) {
    if (++count == 1)
      out = f;
  });
  if (!ok) {
    error = dec.error();
    return false;
  }
  if (count != 1 || dec.buffered() != 0) {
    error = count == 0 ? "incomplete frame" : "more than one frame";
    return false;
  }
  return true;
}

std::size_t frame_decoder::fill_pending(const char* p, std::size_t n) {
  std::size_t used = 0;
  if (pending_.size() < frame_prefix_size) {
    used = std::min(frame_prefix_size - pending_.size(), n);
    pending_.insert(pending_.end(), p, p + used);
    if (pending_.size() < frame_prefix_size)
      return used;
  }
  auto len = big_endian::read_u32(pending_.data());
  if (!check_length(len))
    return used;
  auto want = frame_prefix_size + len - pending_.size();
  auto take = std::min(want, n - used);
  // Room for the whole frame at once: no regrowth (each one copies and, for
  // a moment, holds both buffers). Pages are only touched as bytes arrive,
  // and check_length bounded the length by the inbound budget.
  pending_.reserve(frame_prefix_size + len);
  pending_.insert(pending_.end(), p + used, p + used + take);
  return used + take;
}

bool frame_decoder::pending_complete() const {
  return pending_.size() >= frame_prefix_size
         && pending_.size() == frame_prefix_size + big_endian::read_u32(pending_.data());
}

void frame_decoder::release_pending() {
  pending_.clear();
  // Do not keep a huge buffer alive after one big frame.
  if (pending_.capacity() > 1024 * 1024)
    byte_buffer{}.swap(pending_);
}

bool frame_decoder::check_length(uint32_t len) {
  auto max = knobs::max_message_size();
  if (len == 0 || len > max) {
    error_ = "invalid bytestream length: " + std::to_string(len) + " (max "
             + std::to_string(max) + ")";
    return false;
  }
  auto budget = knobs::inbound_budget();
  if (len > budget - std::min(budget, frame_prefix_size)) { // the prefix is held too
    error_ = "a frame of " + std::to_string(len) + " bytes can never fit the inbound budget of "
             + std::to_string(budget) + " bytes (LINER_INBOUND_BUDGET)";
    return false;
  }
  return true;
}

bool frame_decoder::parse_body(const char* body, std::size_t len, frame_view& out) {
  if (len < frame_min_body) {
    error_ = "message too short";
    return false;
  }
  out.header.number = big_endian::read_u64(body);
  out.header.connection_key = static_cast<int32_t>(big_endian::read_u32(body + 8));
  out.header.topic_key = static_cast<int32_t>(big_endian::read_u32(body + 12));
  out.header.flags = static_cast<uint8_t>(body[16]);
  auto data_len = big_endian::read_u32(body + 17);
  if (frame_min_body + std::size_t{data_len} > len) {
    error_ = "message payload overruns alloc";
    return false;
  }
  out.data = body + frame_min_body;
  out.size = data_len;
  return true;
}

} // namespace liner
