// zstd compression of message payloads (liner's COMPRESS flag).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace liner {

/// Appends the zstd compression of [data, data+size) to `out` (zstd's
/// default level, as liner's level 0). Returns false and leaves `out`
/// unchanged if zstd fails.
bool zstd_compress(const char* data, std::size_t size, std::vector<char>& out);

/// The size [data, data+size) decompresses to, or nothing (with `error`)
/// when it is corrupt or larger than `max_size`. Uses the sizes the frames
/// declare when they all do; otherwise decompresses into a small scratch
/// window to count, stopping past `max_size`. Never allocates the output.
std::optional<std::size_t> zstd_decompressed_size(const char* data, std::size_t size,
                                                  std::size_t max_size, std::string& error);

/// Appends the decompression of [data, data+size) to `out`. Accepts one or
/// several concatenated zstd frames, with or without a recorded content size
/// (Rust liner's stream encoder does not record it). The size is learnt
/// first (zstd_decompressed_size), so a bomb is refused before anything is
/// allocated and `out` grows once, by exactly the payload. Fails, leaving
/// `out` unchanged and setting `error`, on corrupt input, on a payload that
/// differs from its declared size, or beyond `max_size` bytes.
bool zstd_decompress(const char* data, std::size_t size, std::size_t max_size,
                     std::vector<char>& out, std::string& error);

/// The second half of zstd_decompress: appends exactly `total` bytes (what
/// zstd_decompressed_size said) or fails as zstd_decompress does.
bool zstd_decompress_exact(const char* data, std::size_t size, std::size_t total,
                           std::vector<char>& out, std::string& error);

} // namespace liner
