// Big-endian integer reading and writing for the wire format.
#pragma once

#include <cstdint>
#include <vector>

namespace liner::big_endian {

inline uint32_t read_u32(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}

inline uint16_t read_u16(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}

inline uint64_t read_u64(const char* p) {
  return (uint64_t(read_u32(p)) << 32) | read_u32(p + 4);
}

inline void write_u32(char* p, uint32_t v) {
  p[0] = char(v >> 24);
  p[1] = char(v >> 16);
  p[2] = char(v >> 8);
  p[3] = char(v);
}

inline void write_u64(char* p, uint64_t v) {
  write_u32(p, uint32_t(v >> 32));
  write_u32(p + 4, uint32_t(v));
}

} // namespace liner::big_endian
