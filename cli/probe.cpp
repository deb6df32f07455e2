#include "cli/probe.hpp"

#include <unistd.h>

#include <algorithm>
#include <future>
#include <set>

#include "runtime/net_address.hpp"

namespace liner::cli {

namespace {

constexpr std::size_t at_once = 32;

probe_result probe(const std::string& addr, std::chrono::milliseconds timeout) {
  std::string error;
  bool refused = false;
  int fd = net::connect_with_timeout(addr, timeout, error, &refused);
  if (fd >= 0) {
    ::close(fd);
    return {true, false, "answers"};
  }
  if (refused)
    return {false, true, "refused"};
  return {false, false, error.empty() ? "no answer" : error};
}

} // namespace

std::map<std::string, probe_result> probe_all(const std::vector<std::string>& addrs,
                                              std::chrono::milliseconds timeout) {
  std::set<std::string> unique(addrs.begin(), addrs.end());
  std::vector<std::string> todo(unique.begin(), unique.end());
  std::map<std::string, probe_result> results;
  for (std::size_t i = 0; i < todo.size(); i += at_once) {
    std::vector<std::future<probe_result>> batch;
    auto end = std::min(todo.size(), i + at_once);
    for (std::size_t j = i; j < end; ++j)
      batch.push_back(std::async(std::launch::async, probe, todo[j], timeout));
    for (std::size_t j = i; j < end; ++j)
      results[todo[j]] = batch[j - i].get();
  }
  return results;
}

} // namespace liner::cli
