#include "runtime/compression.hpp"

#include <zstd.h>

#include <array>
#include <memory>

namespace liner {

namespace {

using dctx_ptr = std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)>;

// A decompression context whose window (allocated from the frame header,
// before any output) is bounded too: zstd would take up to 128 MiB on a
// header's word. Payloads up to `limit` need at most a window of their own
// size; 2 MiB always stays allowed (the window of zstd's default level 3
// for a stream without a content size, as Rust liner writes them).
dctx_ptr make_dctx(std::size_t limit) {
  dctx_ptr ctx{ZSTD_createDCtx(), ZSTD_freeDCtx};
  int log = 21;
  while (log < 27 && (std::size_t{1} << log) < limit)
    ++log;
  if (ctx)
    ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, log);
  return ctx;
}

// Runs the streaming decoder over all of [data, data+size) into `out` (then
// `out_size` bytes) or, with `out` NULL, into a small scratch window that is
// overwritten (to count). Returns the number of bytes produced, or sets
// `error`; stops as soon as more than `limit` bytes came out.
std::size_t run_decoder(const char* data, std::size_t size, char* out, std::size_t out_size,
                        std::size_t limit, std::string& error) {
  auto ctx = make_dctx(limit);
  if (!ctx) {
    error = "zstd: cannot create a decompression context";
    return 0;
  }
  thread_local std::array<char, 64 * 1024> scratch;
  ZSTD_inBuffer in{data, size, 0};
  std::size_t produced = 0;
  std::size_t last_ret = 0;
  while (true) {
    auto in_before = in.pos;
    auto out_before = produced;
    ZSTD_outBuffer ob = out ? ZSTD_outBuffer{out, out_size, produced}
                            : ZSTD_outBuffer{scratch.data(), scratch.size(), 0};
    last_ret = ZSTD_decompressStream(ctx.get(), &ob, &in);
    if (ZSTD_isError(last_ret)) {
      error = std::string("zstd: ") + ZSTD_getErrorName(last_ret);
      return 0;
    }
    produced = out ? ob.pos : produced + ob.pos;
    if (produced > limit) {
      error = "zstd: decompressed payload exceeds " + std::to_string(limit) + " bytes";
      return 0;
    }
    if (in.pos == in.size && last_ret == 0)
      break; // every frame decoded and flushed
    bool output_full = ob.pos == ob.size;
    if (in.pos == in.size && !output_full) {
      error = "zstd: truncated compressed payload";
      return 0;
    }
    if (out && output_full && in.pos == in_before && produced == out_before) {
      // No room left, yet the frames are not finished: they hold more than declared.
      error = "zstd: payload larger than its declared content size";
      return 0;
    }
  }
  return produced;
}

// The sum of the content sizes the frames record (zstd's
// ZSTD_findDecompressedSize, which is not in its stable API): ERROR for
// input that is not zstd frames, UNKNOWN if a frame records none.
unsigned long long declared_size(const char* data, std::size_t size) {
  unsigned long long total = 0;
  while (size > 0) {
    auto content = ZSTD_getFrameContentSize(data, size); // 0 for skippable frames
    if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN)
      return content;
    auto frame = ZSTD_findFrameCompressedSize(data, size);
    if (ZSTD_isError(frame) || frame > size)
      return ZSTD_CONTENTSIZE_ERROR;
    if (content > ZSTD_CONTENTSIZE_ERROR - 1 - total)
      return ZSTD_CONTENTSIZE_ERROR - 1; // more than anything allowed
    total += content;
    data += frame;
    size -= frame;
  }
  return total;
}

} // namespace

bool zstd_compress(const char* data, std::size_t size, std::vector<char>& out) {
  auto old_size = out.size();
  out.resize(old_size + ZSTD_compressBound(size));
  auto n = ZSTD_compress(out.data() + old_size, out.size() - old_size, data, size,
                         ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n)) {
    out.resize(old_size);
    return false;
  }
  out.resize(old_size + n);
  return true;
}

std::optional<std::size_t> zstd_decompressed_size(const char* data, std::size_t size,
                                                  std::size_t max_size, std::string& error) {
  if (size == 0) {
    error = "zstd: empty compressed payload";
    return std::nullopt;
  }
  auto declared = declared_size(data, size);
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    error = "zstd: not a zstd payload";
    return std::nullopt;
  }
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (declared > max_size) {
      error = "zstd: declared content size " + std::to_string(declared) + " exceeds "
              + std::to_string(max_size) + " bytes";
      return std::nullopt;
    }
    return static_cast<std::size_t>(declared); // checked again while decompressing
  }
  // No recorded size (Rust liner's stream encoder): count, without keeping.
  error.clear();
  auto n = run_decoder(data, size, nullptr, 0, max_size, error);
  if (!error.empty())
    return std::nullopt;
  return n;
}

bool zstd_decompress(const char* data, std::size_t size, std::size_t max_size,
                     std::vector<char>& out, std::string& error) {
  auto total = zstd_decompressed_size(data, size, max_size, error);
  return total && zstd_decompress_exact(data, size, *total, out, error);
}

bool zstd_decompress_exact(const char* data, std::size_t size, std::size_t total,
                           std::vector<char>& out, std::string& error) {
  auto old_size = out.size();
  out.resize(old_size + total);
  error.clear();
  auto n = run_decoder(data, size, out.data() + old_size, total, total, error);
  if (error.empty() && n != total)
    error = "zstd: payload smaller than its declared content size";
  if (!error.empty()) {
    out.resize(old_size);
    return false;
  }
  return true;
}

} // namespace liner
