// Log lines captured through the log hook (runtime/log.hpp), for tests that
// check what the library logs.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/log.hpp"
#include "support/client_helpers.hpp" // wait_deadline

namespace liner::test {

// Collects the hook's lines while it lives; stderr again afterwards.
class captured_log {
public:
  captured_log() {
    log::set_sink([this](const std::string& line) {
      {
        std::lock_guard<std::mutex> lock{mtx_};
        lines_.push_back(line);
      }
      cv_.notify_all();
    });
  }
  ~captured_log() { log::set_sink({}); }

  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock{mtx_};
    return lines_;
  }
  std::size_t count_containing(const std::string& text) const {
    std::size_t n = 0;
    for (auto& l : lines())
      n += l.find(text) != std::string::npos;
    return n;
  }
  /// The first line containing `text` ("" if none).
  std::string containing(const std::string& text) const {
    for (auto& l : lines())
      if (l.find(text) != std::string::npos)
        return l;
    return {};
  }
  /// Waits for a line containing `text`; a failure lists every line.
  ::testing::AssertionResult shows(const std::string& text) {
    if (wait_for(text))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no line with \"" << text << "\" in "
                                         << ::testing::PrintToString(lines());
  }
  bool wait_for(const std::string& text) {
    std::unique_lock<std::mutex> lock{mtx_};
    return cv_.wait_for(lock, wait_deadline, [&] {
      for (auto& l : lines_)
        if (l.find(text) != std::string::npos)
          return true;
      return false;
    });
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

} // namespace liner::test
