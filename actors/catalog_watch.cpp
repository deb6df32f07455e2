#include "actors/catalog_watch.hpp"

#include <caf/send.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "actors/messages.hpp"
#include "runtime/defaults.hpp"
#include "runtime/knobs.hpp"
#include "runtime/log.hpp"

namespace liner {

catalog_watch::catalog_watch(catalog_feed_opener open, internal_client_actor client,
                             std::string owner, relay_function relay)
  : open_(std::move(open)), client_(std::move(client)), owner_(std::move(owner)),
    relay_(std::move(relay)) {
  thread_ = std::thread([this] { run(); });
}

catalog_watch::~catalog_watch() {
  wake_.wake();
  if (thread_.joinable())
    thread_.join();
}

void catalog_watch::run() {
  for (;;) {
    std::unique_ptr<catalog_feed> feed;
    try {
      feed = open_(std::chrono::steady_clock::now() + knobs::store_timeout());
      if (down_)
        log::info(owner_, "catalog feed: listening for catalog changes again");
      down_ = false;
    } catch (const std::exception& e) {
      if (!down_)
        log::warn(owner_, std::string("catalog feed: cannot listen for catalog changes (")
                        + e.what() + "); refreshing cached topics every "
                        + std::to_string(defaults::catalog_poll_period.count())
                        + " ms until it can");
      down_ = true;
    }
    post({}, true); // what changed while nobody listened, or the fallback poll
    if (!feed) {
      if (stopped_within(defaults::catalog_poll_period))
        return;
      continue;
    }
    auto opened = std::chrono::steady_clock::now();
    if (listen(*feed))
      return;
    // A feed that breaks as soon as it opens is not reopened in a loop.
    if (std::chrono::steady_clock::now() - opened < defaults::catalog_poll_period
        && stopped_within(defaults::catalog_poll_period))
      return;
  }
}

bool catalog_watch::listen(catalog_feed& feed) {
  try {
    relay(feed); // what was published while nobody listened
  } catch (const std::exception& e) {
    log::warn(owner_, std::string("catalog feed: ") + e.what());
    down_ = true;
    return false;
  }
  // A feed that misses changes by others is backed by the fallback poll.
  using clock = std::chrono::steady_clock;
  auto next_refresh = clock::time_point::max();
  if (!feed.complete()) {
    if (!incomplete_logged_)
      log::info(owner_, "catalog feed: changes made by other programs are not notified ("
                          + feed.incomplete_because() + "); refreshing cached topics every "
                          + std::to_string(defaults::catalog_poll_period.count()) + " ms");
    incomplete_logged_ = true;
    next_refresh = clock::now() + defaults::catalog_poll_period;
  }
  for (;;) {
    pollfd fds[2] = {{feed.socket(), POLLIN, 0}, {wake_.fd(), POLLIN, 0}};
    int timeout = backlog_ ? static_cast<int>(defaults::catalog_poll_period.count()) : -1;
    if (next_refresh != clock::time_point::max()) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(next_refresh - clock::now());
      int ms = static_cast<int>(std::max<long long>(until.count(), 0));
      timeout = timeout < 0 ? ms : std::min(timeout, ms);
    }
    int n = ::poll(fds, 2, timeout);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      log::error(owner_, std::string("catalog feed: poll failed: ") + std::strerror(errno));
      return stopped_within(defaults::catalog_poll_period);
    }
    if (fds[1].revents != 0)
      return true;
    if (clock::now() >= next_refresh) {
      post({}, true);
      next_refresh = clock::now() + defaults::catalog_poll_period;
      if (n == 0 && !backlog_)
        continue;
    }
    try {
      bool published = n == 0; // the backlog's retry
      auto changes = feed.take();
      bool catalog_changed = !changes.empty();
      published |= handle(std::move(changes));
      if (published || (backlog_ && catalog_changed)) // a new listener may take the backlog
        relay(feed);
    } catch (const std::exception& e) {
      log::warn(owner_, std::string("catalog feed: ") + e.what());
      down_ = true;
      return false;
    }
  }
}

bool catalog_watch::stopped_within(std::chrono::milliseconds d) {
  pollfd p{wake_.fd(), POLLIN, 0};
  int n;
  while ((n = ::poll(&p, 1, static_cast<int>(d.count()))) < 0 && errno == EINTR) {
  }
  return n > 0;
}

bool catalog_watch::handle(std::vector<catalog_change> changes) {
  bool published = false;
  changes.erase(std::remove_if(changes.begin(), changes.end(),
                               [&](const catalog_change& c) {
                                 bool p = c.op == "PUBLISH";
                                 published |= p;
                                 return p;
                               }),
                changes.end());
  if (!changes.empty())
    post(std::move(changes), false);
  return published;
}

void catalog_watch::relay(catalog_feed& feed) {
  if (!relay_ || !feed.has_outbox())
    return;
  bool again = true;
  while (again) {
    bool left = false;
    int64_t after = 0;
    for (;;) {
      auto rows = feed.claim_outbox(after, defaults::relay_batch_rows,
                                    std::chrono::steady_clock::now() + knobs::store_timeout());
      std::vector<int64_t> done;
      if (!rows.empty())
        done = relay_(rows);
      feed.finish_outbox(done, std::chrono::steady_clock::now() + knobs::store_timeout());
      left |= done.size() < rows.size();
      if (rows.size() < defaults::relay_batch_rows)
        break;
      after = rows.back().id;
    }
    backlog_ = left;
    // Notifications read while the rows were held: a publish committed
    // after the pass began may not have been in it.
    again = handle(feed.take()) && !stopped_within(std::chrono::milliseconds{0});
  }
}

void catalog_watch::post(std::vector<catalog_change> changes, bool everything) {
  if (!everything) {
    caf::anon_send(client_, msg::catalog_changes{std::move(changes), false, nullptr});
    return;
  }
  if (refreshing_->exchange(true))
    return; // the last one is still running
  caf::anon_send(client_, msg::catalog_changes{std::move(changes), true, refreshing_});
}

} // namespace liner
