// Argument checks made by the C API before a call reaches the client. liner
// makes the same checks and logs the same texts; unlike liner, a failure here
// also becomes the client's last error (LNR_ERR_INVALID_ARG).
#pragma once

#include <string>
#include <string_view>

#include "handle_registry.hpp"

namespace liner::capi {

inline constexpr const char* null_argument = "null pointer argument";

/// Whether `s` is well-formed UTF-8 (as Rust's str::from_utf8 accepts it:
/// no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(const char* s);

/// A topic argument: non-NULL, valid UTF-8 and, unless `empty_message` is
/// NULL, non-empty (`empty_message` is what liner logs for an empty one).
/// On failure the entry records and logs why, and false is returned.
bool check_topic(client_entry& entry, const char* topic, const char* empty_message);

/// Why the last lnr_new_client_* on this thread returned NULL (LNR_OK and
/// no text after a success); lnr_creation_error_code and
/// lnr_creation_error_message answer it.
struct creation_outcome {
  error_code code = error_code::ok;
  std::string message;
};
creation_outcome& creation_error();

/// Records and logs (about the client `who` that was being made) why a
/// constructor returns NULL.
void refuse_creation(error_code code, std::string_view who, const std::string& message);

} // namespace liner::capi
