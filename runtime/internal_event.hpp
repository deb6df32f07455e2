// The control messages peers exchange on `__#internal_channel` (liner's
// spec 3.5): small JSON objects with sorted keys, as serde_json writes them.
#pragma once

#include <optional>
#include <string>

namespace liner {

struct internal_event {
  std::string event;  // client_connected, client_disconnected, subscribed, unsubscribed
  std::string client; // the peer's unique name
  std::string topic;
  std::string addr; // only in client_connected

  std::string to_json() const;
  /// nullopt if the payload is not JSON or has no string "event".
  static std::optional<internal_event> parse(const char* data, std::size_t size);
};

} // namespace liner
