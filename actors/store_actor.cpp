#include "actors/store_actor.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <thread>
#include <type_traits>

#include "runtime/defaults.hpp"
#include "runtime/log.hpp"

namespace liner {

namespace {

using clock_type = std::chrono::steady_clock;

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0)
    return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// The store and the health of its connection. Reconnects are spaced out by a
// capped, doubling backoff while the server stays away: one client opens at
// most one connection per backoff step, however many requests arrive.
class store_keeper {
public:
  store_keeper(std::unique_ptr<Store> store, std::shared_ptr<store_stats> stats, std::string who)
    : store_(std::move(store)), stats_(std::move(stats)), who_(std::move(who)) {}

  /// Serves one request and counts it (time, failure) in the client's stats.
  template <class R>
  store_answer<R> serve_counted(const store_request<R>& rq) {
    auto start = clock_type::now();
    auto answer = serve(rq);
    stats_->record(answer.ok(), clock_type::now() - start);
    return answer;
  }

private:
  template <class R>
  store_answer<R> serve(const store_request<R>& rq) {
    if (clock_type::now() >= rq.deadline)
      return fail(error_code::store, missed_deadline_message());
    bool retried = false;
    while (true) {
      if (auto down = ensure_connected(rq.deadline))
        return *down;
      store_->set_deadline(rq.deadline);
      try {
        if constexpr (std::is_void_v<typename R::value_type>) {
          rq.request.run(*store_);
          return {};
        } else {
          return rq.request.run(*store_);
        }
      } catch (const store_error& e) {
        switch (e.kind()) {
          case store_failure::connection_lost:
            lost(e.what());
            if (retried) // once on the new connection, no more
              return fail(error_code::store, e.what());
            retried = true;
            continue;
          case store_failure::busy:
            if (clock_type::now() + defaults::store_busy_pause < rq.deadline) {
              std::this_thread::sleep_for(defaults::store_busy_pause);
              continue;
            }
            return fail(error_code::store, missed_deadline_message() + ": " + e.what());
          case store_failure::timeout:
            lost(e.what());
            return fail(error_code::store, missed_deadline_message() + ": " + e.what());
          case store_failure::error:
            break;
        }
        return fail(error_code::store, e.what());
      } catch (const std::exception& e) {
        return fail(error_code::store, e.what()[0] ? e.what() : "store error");
      }
    }
  }

  // Reconnects when the connection is down and the backoff allows it; an
  // error while it stays down.
  std::optional<failure> ensure_connected(clock_type::time_point deadline) {
    if (store_->connected())
      return std::nullopt;
    auto now = clock_type::now();
    if (now < next_attempt_) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
      return fail(error_code::store, last_cause_ + " (next reconnect attempt in "
                                       + duration_text(wait) + ")");
    }
    store_->set_deadline(deadline);
    try {
      store_->reconnect();
      log::info(who_, "store connection restored");
      backoff_ = defaults::store_reconnect_first;
      next_attempt_ = {};
      return std::nullopt;
    } catch (const std::exception& e) {
      last_cause_ = e.what();
      next_attempt_ = clock_type::now() + backoff_;
      backoff_ = std::min(backoff_ * 2, defaults::store_reconnect_max);
      return fail(error_code::store, last_cause_);
    }
  }

  void lost(const char* why) {
    last_cause_ = why;
    log::info(who_, std::string("store connection lost (reconnecting on the next request): ") + why);
  }

  std::unique_ptr<Store> store_;
  std::shared_ptr<store_stats> stats_;
  std::string who_;
  std::string last_cause_;
  clock_type::time_point next_attempt_{};
  std::chrono::milliseconds backoff_ = defaults::store_reconnect_first;
};

template <class... Rs>
store_actor::behavior_type serve_all(std::shared_ptr<store_keeper> keeper, req::request_list<Rs...>) {
  return {[keeper](const store_request<Rs>& rq) -> store_answer<Rs> {
    return keeper->serve_counted(rq);
  }...};
}

store_actor::behavior_type store_actor_impl(store_actor::pointer,
                                            std::shared_ptr<store_keeper> keeper) {
  return serve_all(std::move(keeper), req::all{});
}

} // namespace

store_actor spawn_store_actor(caf::actor_system& sys, std::unique_ptr<Store> store,
                              std::shared_ptr<store_stats> stats, std::string who) {
  return sys.spawn<caf::detached>(store_actor_impl,
                                  std::make_shared<store_keeper>(std::move(store), std::move(stats),
                                                                 std::move(who)));
}

std::string missed_deadline_message() {
  return "store did not answer within " + duration_text(knobs::store_timeout());
}

} // namespace liner
