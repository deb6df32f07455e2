#include "arg_check.hpp"

#include "runtime/log.hpp"

namespace liner::capi {

bool valid_utf8(const char* s) {
  auto p = reinterpret_cast<const unsigned char*>(s);
  while (*p) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    unsigned char lo = 0x80, hi = 0xbf; // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0)
        lo = 0xa0; // overlong
      else if (c == 0xed)
        hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0)
        lo = 0x90; // overlong
      else if (c == 0xf4)
        hi = 0x8f; // above U+10FFFF
    } else {
      return false;
    }
    ++p;
    for (int i = 0; i < extra; ++i, ++p) {
      unsigned char first_lo = i == 0 ? lo : 0x80, first_hi = i == 0 ? hi : 0xbf;
      if (*p < first_lo || *p > first_hi) // also stops at the terminating NUL
        return false;
    }
  }
  return true;
}

creation_outcome& creation_error() {
  thread_local creation_outcome outcome;
  return outcome;
}

void refuse_creation(error_code code, std::string_view who, const std::string& message) {
  creation_error() = {code, message};
  log::error(who.empty() ? log::library : who, message);
}

bool check_topic(client_entry& entry, const char* topic, const char* empty_message) {
  if (!topic) {
    entry.reject(error_code::invalid_arg, null_argument);
    return false;
  }
  if (!valid_utf8(topic)) {
    entry.reject(error_code::invalid_arg, "topic invalid UTF-8");
    return false;
  }
  if (empty_message && !*topic) {
    entry.reject(error_code::invalid_arg, empty_message);
    return false;
  }
  return true;
}

} // namespace liner::capi
