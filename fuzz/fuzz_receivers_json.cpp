// libFuzzer target: SQLite's receivers_json (parse_receivers_json), given by
// the application when it creates a client. Every rejection must be a
// std::exception whose text says it is a receivers_json parse error; anything
// else thrown escapes and libFuzzer reports it.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "stores/receivers_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string json(reinterpret_cast<const char*>(data), size);
  try {
    auto seeds = liner::parse_receivers_json(json);
    // Each seed comes from its own array entry: at least "{}" apiece.
    LINER_FUZZ_CHECK(seeds.size() <= size / 2, "more seeds than the input can hold");
  } catch (const std::exception& e) {
    LINER_FUZZ_CHECK(std::string(e.what()).rfind("receivers_json parse error: ", 0) == 0,
                     e.what());
  }
  return 0;
}
