#include "runtime/log.hpp"

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

namespace liner::log {

namespace {
std::mutex sink_mutex;
std::shared_ptr<sink> current;

// Paths relative to the project, as liner prints "src/client.rs".
const char* short_path(const char* file) {
  for (const char* dir : {"/actors/", "/runtime/", "/stores/", "/capi/"})
    if (auto p = std::strstr(file, dir))
      return p + 1;
  return file;
}
} // namespace

void set_sink(sink s) {
  std::lock_guard<std::mutex> guard{sink_mutex};
  current = s ? std::make_shared<sink>(std::move(s)) : nullptr;
}

void error_at(const char* file, int line, const std::string& message) {
  auto text = "Error " + std::string(short_path(file)) + ":" + std::to_string(line) + ": " + message;
  std::shared_ptr<sink> s;
  {
    std::lock_guard<std::mutex> guard{sink_mutex};
    s = current;
  }
  // The user's sink runs without our lock held; a line with a NUL byte
  // cannot be a C string, so it goes to stderr (as in liner).
  if (s && text.find('\0') == std::string::npos)
    (*s)(text);
  else
    std::fprintf(stderr, "%s\n", text.c_str());
}

std::size_t repeat_counter::count(std::size_t n) {
  since_line_ += n;
  auto now = std::chrono::steady_clock::now();
  if (now - last_line_ < std::chrono::seconds{1})
    return 0;
  last_line_ = now;
  auto total = since_line_;
  since_line_ = 0;
  return total;
}

} // namespace liner::log
