#include "actors/lobby.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

namespace liner {

namespace {

// Bytes the peer sent that nobody read yet (0 also when it cannot be told).
int unread_bytes(int fd) {
  int n = 0;
  return ::ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
}

} // namespace

lobby::~lobby() {
  for (auto& w : waiting_)
    ::close(w.fd);
}

void lobby::add(int fd, clock_type::time_point deadline) {
  waiting_.push_back({fd, deadline});
}

bool lobby::evict_oldest() {
  auto it = std::find_if(waiting_.begin(), waiting_.end(),
                         [](const waiting& w) { return unread_bytes(w.fd) == 0; });
  if (it == waiting_.end())
    return false;
  ::close(it->fd);
  waiting_.erase(it);
  return true;
}

void lobby::poll_set(std::vector<pollfd>& out) const {
  for (auto& w : waiting_)
    out.push_back({w.fd, POLLIN, 0});
}

std::chrono::milliseconds lobby::next_timeout(clock_type::time_point now) const {
  if (waiting_.empty())
    return std::chrono::milliseconds{-1};
  auto first = std::min_element(waiting_.begin(), waiting_.end(),
                                [](const waiting& a, const waiting& b) {
                                  return a.deadline < b.deadline;
                                })->deadline;
  if (first <= now)
    return std::chrono::milliseconds{0};
  // Rounded up: waking a little early would only poll again.
  return std::chrono::ceil<std::chrono::milliseconds>(first - now);
}

std::size_t lobby::sweep(const pollfd* results, clock_type::time_point now,
                         const std::function<void(int, clock_type::time_point)>& ready) {
  std::size_t expired = 0;
  std::deque<waiting> still;
  for (std::size_t i = 0; i < waiting_.size(); ++i) {
    auto& w = waiting_[i];
    if (results[i].revents != 0) {
      if (unread_bytes(w.fd) > 0)
        ready(w.fd, w.deadline); // the listener reads it from here on
      else
        ::close(w.fd); // closed or failed before it said anything
      continue;
    }
    if (w.deadline <= now) {
      ::close(w.fd);
      ++expired;
      continue;
    }
    still.push_back(w);
  }
  waiting_.swap(still);
  return expired;
}

} // namespace liner
