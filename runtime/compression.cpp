#include "runtime/compression.hpp"

#include <zstd.h>

#include <memory>

namespace liner {

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

bool zstd_decompress(const char* data, std::size_t size, std::size_t max_size,
                     std::vector<char>& out, std::string& error) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx{ZSTD_createDCtx(), ZSTD_freeDCtx};
  if (!ctx) {
    error = "zstd: cannot create a decompression context";
    return false;
  }
  auto old_size = out.size();
  auto fail = [&](std::string msg) {
    out.resize(old_size);
    error = std::move(msg);
    return false;
  };
  if (size == 0)
    return fail("zstd: empty compressed payload");
  // Start from the recorded content size when there is one, else a guess.
  auto hint = ZSTD_getFrameContentSize(data, size);
  std::size_t step = (hint != ZSTD_CONTENTSIZE_UNKNOWN && hint != ZSTD_CONTENTSIZE_ERROR
                      && hint <= max_size)
                       ? static_cast<std::size_t>(hint) + 1
                       : ZSTD_DStreamOutSize();
  ZSTD_inBuffer in{data, size, 0};
  std::size_t produced = 0;
  std::size_t last_ret = 0;
  while (true) {
    if (out.size() - old_size - produced == 0) {
      // produced <= max_size here, so this grows by at least one byte.
      auto grow = std::min(std::max(step, produced), max_size + 1 - produced);
      out.resize(out.size() + grow);
    }
    ZSTD_outBuffer ob{out.data() + old_size, out.size() - old_size, produced};
    last_ret = ZSTD_decompressStream(ctx.get(), &ob, &in);
    if (ZSTD_isError(last_ret))
      return fail(std::string("zstd: ") + ZSTD_getErrorName(last_ret));
    produced = ob.pos;
    if (produced > max_size)
      return fail("zstd: decompressed payload exceeds max message size");
    bool output_full = ob.pos == ob.size;
    if (in.pos == in.size && !output_full)
      break;
  }
  if (last_ret != 0)
    return fail("zstd: truncated compressed payload");
  out.resize(old_size + produced);
  return true;
}

} // namespace liner
