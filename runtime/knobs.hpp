// Process-wide tuning knobs shared by every client (liner's spec, section 8).
// Each is an atomic: any thread may read or set them at any time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace liner::knobs {

inline constexpr std::size_t default_max_message_size = 1024u * 1024u * 1024u; // 1 GiB
inline constexpr std::size_t default_compress_threshold = 1024u * 1024u;       // 1 MiB

/// Largest frame body (everything after the 4-byte length) accepted or sent.
std::size_t max_message_size();
/// Rejects 0 (returns false and keeps the old value).
bool set_max_message_size(std::size_t n);

/// Payloads strictly larger than this are zstd-compressed on send.
std::size_t compress_threshold();
/// Rejects 0 (returns false and keeps the old value).
bool set_compress_threshold(std::size_t n);

/// Per-route cap on queued messages; 0 means unlimited.
std::size_t max_send_queue();
void set_max_send_queue(std::size_t n);

} // namespace liner::knobs
