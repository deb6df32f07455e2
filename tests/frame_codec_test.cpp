// The wire codec against liner's frame layout (spec section 5).
#include <gtest/gtest.h>
#include <zstd.h>

#include <cstring>
#include <memory>
#include <random>

#include "runtime/compression.hpp"
#include "runtime/frame_codec.hpp"

using namespace liner;

namespace {

struct decoded {
  frame_header header;
  byte_buffer payload;
};

// Feeds `stream` in the given chunks and returns the frames with their payloads.
std::vector<decoded> decode_chunks(const byte_buffer& stream, const std::vector<std::size_t>& cuts,
                                   frame_decoder& dec) {
  std::vector<decoded> out;
  std::size_t pos = 0;
  auto on_frame = [&](const frame_view& f) {
    decoded d{f.header, {}};
    std::string err;
    EXPECT_TRUE(open_payload(f, d.payload, err)) << err;
    out.push_back(std::move(d));
  };
  for (auto cut : cuts) {
    EXPECT_TRUE(dec.feed(stream.data() + pos, cut - pos, on_frame)) << dec.error();
    pos = cut;
  }
  EXPECT_TRUE(dec.feed(stream.data() + pos, stream.size() - pos, on_frame)) << dec.error();
  return out;
}

std::vector<decoded> decode_all(const byte_buffer& stream) {
  frame_decoder dec;
  auto out = decode_chunks(stream, {}, dec);
  EXPECT_EQ(dec.buffered(), 0u);
  return out;
}

byte_buffer bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

byte_buffer from_hex(const std::string& hex) {
  byte_buffer out;
  for (std::size_t i = 0; i < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    i += 2;
  }
  return out;
}

// Restores the process-wide knobs a test changed.
struct knob_guard {
  std::size_t max = knobs::max_message_size();
  std::size_t threshold = knobs::compress_threshold();
  ~knob_guard() {
    knobs::set_max_message_size(max);
    knobs::set_compress_threshold(threshold);
  }
};

std::string decode_error_of(const byte_buffer& stream) {
  frame_decoder dec;
  std::size_t frames = 0;
  EXPECT_FALSE(dec.feed(stream.data(), stream.size(), [&](const frame_view&) { ++frames; }));
  EXPECT_EQ(frames, 0u);
  EXPECT_TRUE(dec.failed());
  return dec.error();
}

// A message as a sender puts it on the wire: prepared (compressed above the
// threshold), then framed.
void encode_message(byte_buffer& out, frame_header h, const byte_buffer& payload) {
  auto p = prepare_payload(payload.data(), payload.size(), h.flags & frame_flags::at_least_once);
  h.flags = p.flags;
  encode_frame(out, h, p.data, p.size);
}

} // namespace

TEST(frame_codec, spec_example_byte_for_byte) {
  byte_buffer out;
  encode_frame(out, {1, 1, 1, frame_flags::at_least_once}, "hi", 2);
  EXPECT_EQ(out, from_hex("00000017 0000000000000001 00000001 00000001 02 00000002 6869"));
  EXPECT_EQ(out.size(), 27u);

  byte_buffer best_effort;
  encode_frame(best_effort, {1, 1, 1, 0}, "hi", 2);
  auto expected = out;
  expected[20] = 0;
  EXPECT_EQ(best_effort, expected);

  auto frames = decode_all(out);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].header.number, 1u);
  EXPECT_EQ(frames[0].header.connection_key, 1);
  EXPECT_EQ(frames[0].header.topic_key, 1);
  EXPECT_EQ(frames[0].header.flags, frame_flags::at_least_once);
  EXPECT_EQ(frames[0].payload, bytes_of("hi"));
}

TEST(frame_codec, round_trip_keys_numbers_and_flags) {
  struct sample {
    frame_header h;
    std::string payload;
  };
  std::vector<sample> samples = {
    {{0, 0, 0, 0}, ""},
    {{42, -1, -2147483647 - 1, frame_flags::at_least_once}, "negative keys"},
    {{UINT64_MAX, 2147483647, -7, 0}, std::string("nul\0inside", 10)},
  };
  for (auto& s : samples) {
    byte_buffer out;
    encode_frame(out, s.h, s.payload.data(), s.payload.size());
    EXPECT_EQ(out.size(), 25 + s.payload.size());
    auto frames = decode_all(out);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].header.number, s.h.number);
    EXPECT_EQ(frames[0].header.connection_key, s.h.connection_key);
    EXPECT_EQ(frames[0].header.topic_key, s.h.topic_key);
    EXPECT_EQ(frames[0].header.flags, s.h.flags);
    EXPECT_EQ(frames[0].payload, bytes_of(s.payload));
  }
}

TEST(frame_codec, large_payload_is_compressed_above_threshold_only) {
  byte_buffer big(2 * 1024 * 1024);
  std::mt19937 rng{7};
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i % 251 == 0 ? rng() : i % 17); // compressible, not trivial
  byte_buffer out;
  encode_message(out, {9, 3, 4, frame_flags::at_least_once}, big);
  EXPECT_LT(out.size(), big.size());
  EXPECT_EQ(static_cast<uint8_t>(out[20]), frame_flags::compressed | frame_flags::at_least_once);
  auto frames = decode_all(out);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].header.flags, frame_flags::compressed | frame_flags::at_least_once);
  EXPECT_EQ(frames[0].payload, big);

  // Exactly at the threshold: strictly greater is required, so not compressed.
  knob_guard guard;
  ASSERT_TRUE(knobs::set_compress_threshold(1000));
  byte_buffer at(1000, 'a'), above(1001, 'a'), f1, f2;
  encode_message(f1, {1, 1, 1, 0}, at);
  encode_message(f2, {1, 1, 1, 0}, above);
  EXPECT_EQ(f1[20], 0);
  EXPECT_EQ(f2[20], frame_flags::compressed);
  EXPECT_EQ(decode_all(f2)[0].payload, above);
}

TEST(frame_codec, knobs_reject_zero) {
  knob_guard guard;
  EXPECT_FALSE(knobs::set_max_message_size(0));
  EXPECT_FALSE(knobs::set_compress_threshold(0));
  EXPECT_EQ(knobs::max_message_size(), knobs::default_max_message_size);
  EXPECT_EQ(knobs::compress_threshold(), knobs::default_compress_threshold);
}

TEST(frame_codec, chunked_input_split_at_every_position) {
  knob_guard guard;
  ASSERT_TRUE(knobs::set_compress_threshold(64));
  byte_buffer stream;
  std::vector<std::string> payloads = {"a", "", std::string(300, 'z'), "last one"};
  for (std::size_t i = 0; i < payloads.size(); ++i)
    encode_frame(stream, {i + 1, 5, int32_t(i), uint8_t(i % 2 ? 2 : 0)}, payloads[i].data(),
                 payloads[i].size());
  auto check = [&](const std::vector<decoded>& got) {
    ASSERT_EQ(got.size(), payloads.size());
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      EXPECT_EQ(got[i].header.number, i + 1);
      EXPECT_EQ(got[i].payload, bytes_of(payloads[i]));
    }
  };
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    frame_decoder dec;
    check(decode_chunks(stream, {cut}, dec));
    EXPECT_EQ(dec.buffered(), 0u);
  }
  // Two cuts at every pair of positions (cheap: the stream is short).
  for (std::size_t a = 0; a <= stream.size(); a += 3)
    for (std::size_t b = a; b <= stream.size(); b += 5) {
      frame_decoder dec;
      check(decode_chunks(stream, {a, b}, dec));
    }
  // One byte at a time.
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < stream.size(); ++i)
    every.push_back(i);
  frame_decoder dec;
  check(decode_chunks(stream, every, dec));
}

TEST(frame_codec, rejects_zero_length) {
  EXPECT_EQ(decode_error_of(from_hex("00000000")),
            "invalid bytestream length: 0 (max 1073741824)");
}

TEST(frame_codec, rejects_oversized_length_before_buffering_the_body) {
  frame_decoder dec;
  auto head = from_hex("FFFFFFFF 00");
  EXPECT_FALSE(dec.feed(head.data(), head.size(), [](const frame_view&) { FAIL(); }));
  EXPECT_EQ(dec.error(), "invalid bytestream length: 4294967295 (max 1073741824)");
  EXPECT_EQ(dec.buffered(), 0u);

  // The same check applies when the length arrives in pieces, and a lower
  // process-wide maximum is honoured.
  knob_guard guard;
  ASSERT_TRUE(knobs::set_max_message_size(100));
  frame_decoder dec2;
  auto h1 = from_hex("0000"), h2 = from_hex("0065");
  EXPECT_TRUE(dec2.feed(h1.data(), h1.size(), [](const frame_view&) {}));
  EXPECT_FALSE(dec2.feed(h2.data(), h2.size(), [](const frame_view&) {}));
  EXPECT_EQ(dec2.error(), "invalid bytestream length: 101 (max 100)");
  // A poisoned decoder accepts nothing more.
  auto good = from_hex("00000017 0000000000000001 00000001 00000001 02 00000002 6869");
  EXPECT_FALSE(dec2.feed(good.data(), good.size(), [](const frame_view&) { FAIL(); }));
}

TEST(frame_codec, rejects_short_body) {
  EXPECT_EQ(decode_error_of(from_hex("00000014 0000000000000001 00000001 00000001 02 000000")),
            "message too short");
}

TEST(frame_codec, rejects_data_length_overrunning_the_body) {
  EXPECT_EQ(decode_error_of(from_hex("00000017 0000000000000001 00000001 00000001 02 00000003 6869")),
            "message payload overruns alloc");
  EXPECT_EQ(decode_error_of(from_hex("00000015 0000000000000001 00000001 00000001 02 FFFFFFFF")),
            "message payload overruns alloc");
}

TEST(frame_codec, ignores_bytes_after_data_inside_a_frame) {
  auto stream = from_hex("00000019 0000000000000001 00000001 00000001 00 00000002 6869 AAAA");
  auto frames = decode_all(stream);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload, bytes_of("hi"));
}

TEST(frame_codec, good_frames_before_garbage_are_delivered) {
  byte_buffer stream;
  encode_frame(stream, {1, 1, 1, 0}, "ok", 2);
  auto garbage = from_hex("00000003 FFFFFF");
  stream.insert(stream.end(), garbage.begin(), garbage.end());
  frame_decoder dec;
  std::vector<uint64_t> numbers;
  EXPECT_FALSE(dec.feed(stream.data(), stream.size(),
                        [&](const frame_view& f) { numbers.push_back(f.header.number); }));
  EXPECT_EQ(numbers, std::vector<uint64_t>{1});
  EXPECT_EQ(dec.error(), "message too short");
}

TEST(frame_codec, decompression_failure_is_an_error_not_an_empty_payload) {
  byte_buffer stream;
  encode_frame(stream, {1, 1, 1, frame_flags::compressed}, "not zstd", 8);
  frame_decoder dec;
  std::size_t frames = 0;
  EXPECT_TRUE(dec.feed(stream.data(), stream.size(), [&](const frame_view& f) {
    ++frames;
    byte_buffer out;
    std::string err;
    EXPECT_FALSE(open_payload(f, out, err));
    EXPECT_TRUE(out.empty());
    EXPECT_NE(err.find("zstd"), std::string::npos) << err;
  }));
  EXPECT_EQ(frames, 1u);
}

TEST(frame_codec, decompression_is_bounded_by_max_message_size) {
  byte_buffer zeros(1 << 20, 0), packed;
  ASSERT_TRUE(zstd_compress(zeros.data(), zeros.size(), packed));
  byte_buffer out;
  std::string err;
  EXPECT_FALSE(zstd_decompress(packed.data(), packed.size(), 1000, out, err));
  EXPECT_TRUE(out.empty());
  EXPECT_NE(err.find("exceeds"), std::string::npos) << err;
  EXPECT_TRUE(zstd_decompress(packed.data(), packed.size(), zeros.size(), out, err)) << err;
  EXPECT_EQ(out, zeros);
}

// Rust liner compresses with zstd's stream encoder, which records no content
// size, and the receiver must accept concatenated frames.
TEST(frame_codec, decompresses_streamed_and_concatenated_zstd_frames) {
  std::string a(5000, 'a'), b = "and then b";
  byte_buffer packed;
  for (auto* part : {&a, &b}) {
    auto* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0); // as a stream encoder leaves it
    byte_buffer buf(ZSTD_compressBound(part->size()) + 64);
    ZSTD_inBuffer in{part->data(), part->size(), 0};
    ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
    ASSERT_EQ(ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_end), 0u);
    ZSTD_freeCCtx(cctx);
    ASSERT_EQ(ZSTD_getFrameContentSize(buf.data(), ob.pos), ZSTD_CONTENTSIZE_UNKNOWN);
    packed.insert(packed.end(), buf.begin(), buf.begin() + ob.pos);
  }
  byte_buffer stream;
  encode_frame(stream, {3, 1, 1, frame_flags::compressed}, packed.data(), packed.size());
  auto frames = decode_all(stream);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload, bytes_of(a + b));
}

TEST(frame_codec, decode_frame_takes_exactly_one_frame) {
  byte_buffer one;
  encode_frame(one, {5, 6, 7, 2}, "x", 1);
  frame_view f;
  std::string err;
  ASSERT_TRUE(decode_frame(one.data(), one.size(), f, err)) << err;
  EXPECT_EQ(f.header.number, 5u);
  EXPECT_FALSE(decode_frame(one.data(), one.size() - 1, f, err));
  EXPECT_EQ(err, "incomplete frame");
  auto two = one;
  two.insert(two.end(), one.begin(), one.end());
  EXPECT_FALSE(decode_frame(two.data(), two.size(), f, err));
  EXPECT_EQ(err, "more than one frame");
}

// A payload without a recorded content size (Rust liner's stream encoder)
// whose size is a power of two: the output buffer ends exactly full.
TEST(frame_codec, streamed_payloads_of_power_of_two_sizes_decompress) {
  for (std::size_t size : {std::size_t{128} * 1024, std::size_t{2} * 1024 * 1024}) {
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
      data[i] = static_cast<char>('a' + (i * 31 + i / 977) % 26);
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx{ZSTD_createCCtx(), ZSTD_freeCCtx};
    std::vector<char> packed(ZSTD_compressBound(size));
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    ZSTD_outBuffer out{packed.data(), packed.size(), 0};
    // The frame header records no size, as a streaming writer's does.
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 0);
    ASSERT_EQ(ZSTD_compressStream2(cctx.get(), &out, &in, ZSTD_e_end), 0u);
    packed.resize(out.pos);
    ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
    std::vector<char> result;
    std::string err;
    ASSERT_TRUE(zstd_decompress(packed.data(), packed.size(), size, result, err)) << size << ": " << err;
    EXPECT_EQ(std::string(result.begin(), result.end()), data);
    // One byte less allowed: refused, nothing appended.
    result.clear();
    EXPECT_FALSE(zstd_decompress(packed.data(), packed.size(), size - 1, result, err));
    EXPECT_TRUE(result.empty());
  }
}
