// libFuzzer target: the JSON control messages peers send on
// `__#internal_channel` (internal_event::parse), which come from the network.
//
// Besides the sanitizers it checks the round trip: whatever parse accepts,
// to_json() writes back and parse reads again to the same fields, and a
// second to_json() gives the same text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "runtime/internal_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto ev = liner::internal_event::parse(reinterpret_cast<const char*>(data), size);
  if (!ev)
    return 0;
  auto json = ev->to_json(); // must not throw: parse only keeps valid UTF-8 strings
  auto again = liner::internal_event::parse(json.data(), json.size());
  LINER_FUZZ_CHECK(again.has_value(), "to_json() output does not parse");
  LINER_FUZZ_CHECK(again->event == ev->event, "event changed");
  LINER_FUZZ_CHECK(again->client == ev->client, "client changed");
  LINER_FUZZ_CHECK(again->topic == ev->topic, "topic changed");
  // to_json() writes addr for client_connected only (liner's format), so
  // another event's addr comes back empty.
  auto addr = ev->event == "client_connected" ? ev->addr : std::string{};
  LINER_FUZZ_CHECK(again->addr == addr, "addr changed");
  LINER_FUZZ_CHECK(again->to_json() == json, "to_json() is not stable");
  return 0;
}
