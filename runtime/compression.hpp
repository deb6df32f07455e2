// zstd compression of message payloads (liner's COMPRESS flag).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace liner {

/// Appends the zstd compression of [data, data+size) to `out` (zstd's
/// default level, as liner's level 0). Returns false and leaves `out`
/// unchanged if zstd fails.
bool zstd_compress(const char* data, std::size_t size, std::vector<char>& out);

/// Appends the decompression of [data, data+size) to `out`. Accepts one or
/// several concatenated zstd frames, with or without a recorded content size
/// (Rust liner's stream encoder does not record it). Fails, leaving `out`
/// unchanged and setting `error`, on corrupt input or when the result would
/// exceed `max_size` bytes (a bound against decompression bombs).
bool zstd_decompress(const char* data, std::size_t size, std::size_t max_size,
                     std::vector<char>& out, std::string& error);

} // namespace liner
