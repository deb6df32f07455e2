// libFuzzer target: liner's wire frames as a listener reads them from an
// untrusted TCP stream (frame_decoder, decode_frame, open_payload).
//
// Input layout: byte 0 holds k (its low 4 bits), the next k bytes are chunk
// sizes, the rest is the stream. The stream is fed to a frame_decoder in
// chunks of sizes[0], sizes[1], ..., sizes[k-1], sizes[0], ... bytes (a size
// of 0 means "all that is left"); k = 0 feeds it in one go. So the fuzzer
// mutates the chunk boundaries as well as the bytes.
//
// Checks, besides the sanitizers:
//  - chunking changes nothing: the chunked decoder yields the same frames and
//    the same verdict as a decoder fed the whole stream at once;
//  - decode_frame accepts the stream exactly when it is one whole valid frame;
//  - open_payload copies plain data as is, keeps decompressed data within
//    knobs::max_message_size(), and leaves its output untouched on failure;
//  - no single allocation made while decoding exceeds a few times
//    max_message_size (the bound a peer is held to). LINER_FUZZ_ALLOC_BOUND
//    (bytes, 0 = no check) overrides that bound, to fuzz past a known finding.
#include <sanitizer/allocator_interface.h>
#include <sanitizer/common_interface_defs.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "runtime/frame_codec.hpp"
#include "runtime/knobs.hpp"

namespace {

// Low, so that decompression bombs and long frames stay cheap to run.
constexpr std::size_t max_message = std::size_t{1} << 20;

// Largest single allocation allowed while decoding: a frame buffered whole
// (vector growth may double it) or a payload decompressed up to the bound.
std::size_t alloc_bound = 4 * max_message;

bool tracking = false; // set only while the input is being decoded

void on_malloc(const volatile void*, std::size_t size) {
  if (tracking && alloc_bound != 0 && size > alloc_bound) {
    tracking = false; // the report below allocates
    std::fprintf(stderr,
                 "fuzz_frame_decoder: allocation of %zu bytes exceeds the bound of %zu "
                 "(max message size %zu)\n",
                 size, alloc_bound, max_message);
    __sanitizer_print_stack_trace();
    std::abort();
  }
}

void on_free(const volatile void*) {
}

struct decoded_frame {
  liner::frame_header header;
  std::string data;

  bool operator==(const decoded_frame& o) const {
    return header.number == o.header.number && header.connection_key == o.header.connection_key
           && header.topic_key == o.header.topic_key && header.flags == o.header.flags
           && data == o.data;
  }
};

struct decode_result {
  std::vector<decoded_frame> frames;
  bool ok = true;
  std::string error;
  std::size_t buffered = 0;
};

// Feeds [p, p+n) in the given chunk sizes (empty: in one go) and checks
// every frame's payload.
decode_result decode(const char* p, std::size_t n, const std::vector<std::size_t>& chunks) {
  decode_result r;
  liner::frame_decoder dec;
  auto on_frame = [&](const liner::frame_view& f) {
    LINER_FUZZ_CHECK(f.size + liner::frame_min_body <= max_message, "frame above the max size");
    r.frames.push_back({f.header, std::string(f.data, f.size)});

    liner::byte_buffer out{'#'}; // open_payload appends: this byte must survive
    std::string error;
    if (liner::open_payload(f, out, error)) {
      LINER_FUZZ_CHECK(error.empty(), "error set on success");
      LINER_FUZZ_CHECK(!out.empty() && out[0] == '#', "open_payload lost the existing bytes");
      if (f.compressed())
        LINER_FUZZ_CHECK(out.size() - 1 <= max_message, "decompressed beyond max_message_size");
      else
        LINER_FUZZ_CHECK(out.size() - 1 == f.size
                           && std::equal(f.data, f.data + f.size, out.begin() + 1),
                         "plain payload not copied as is");
    } else {
      LINER_FUZZ_CHECK(f.compressed(), "a plain payload failed to open");
      LINER_FUZZ_CHECK(!error.empty(), "failure without an error text");
      LINER_FUZZ_CHECK(out.size() == 1 && out[0] == '#', "output changed on failure");
    }
  };
  std::size_t at = 0, i = 0;
  while (r.ok && at < n) {
    std::size_t want = chunks.empty() ? 0 : chunks[i++ % chunks.size()];
    std::size_t take = want == 0 ? n - at : std::min(want, n - at);
    r.ok = dec.feed(p + at, take, on_frame);
    at += take;
  }
  if (n == 0)
    r.ok = dec.feed(p, 0, on_frame); // an empty feed must be harmless too
  LINER_FUZZ_CHECK(r.ok == !dec.failed(), "feed's answer and failed() disagree");
  r.error = dec.error();
  r.buffered = dec.buffered();
  return r;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  liner::knobs::set_max_message_size(max_message);
  if (const char* env = std::getenv("LINER_FUZZ_ALLOC_BOUND"))
    alloc_bound = std::strtoull(env, nullptr, 10);
  __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  std::size_t k = std::min<std::size_t>(data[0] & 0x0f, size - 1);
  std::vector<std::size_t> chunks(data + 1, data + 1 + k);
  auto stream = reinterpret_cast<const char*>(data + 1 + k);
  std::size_t n = size - 1 - k;

  tracking = true;
  auto chunked = decode(stream, n, chunks);
  auto whole = decode(stream, n, {});

  liner::frame_view one;
  std::string error;
  bool single = liner::decode_frame(stream, n, one, error);
  tracking = false;

  // Where the stream is cut must not matter.
  LINER_FUZZ_CHECK(chunked.ok == whole.ok, "chunking changed the verdict");
  LINER_FUZZ_CHECK(chunked.error == whole.error, "chunking changed the error");
  LINER_FUZZ_CHECK(chunked.frames == whole.frames, "chunking changed the frames");
  if (whole.ok)
    LINER_FUZZ_CHECK(chunked.buffered == whole.buffered, "chunking changed the leftover");

  // decode_frame: exactly one whole, valid frame.
  bool exactly_one = whole.ok && whole.frames.size() == 1 && whole.buffered == 0;
  LINER_FUZZ_CHECK(single == exactly_one, "decode_frame disagrees with frame_decoder");
  if (single) {
    decoded_frame f{one.header, std::string(one.data, one.size)};
    LINER_FUZZ_CHECK(f == whole.frames[0], "decode_frame returned another frame");
  } else {
    LINER_FUZZ_CHECK(!error.empty(), "decode_frame failed without an error text");
  }
  return 0;
}
