// The route actor, part two: saving at-least-once frames and stopping.
#include "actors/route_broker.hpp"

#include <algorithm>
#include <utility>

namespace liner::route_steps {

// Saves what only memory holds. The frames stay in memory until the store
// confirms; a failure is retried with backoff (reported once per outage).
void persist(route_broker* self) {
  auto& st = self->state;
  if (st.saving)
    return;
  auto route = st.ctx.route;
  auto frames = route->begin_save();
  if (frames.empty()) {
    if (st.at == phase::stopped)
      finish_stop(self);
    return;
  }
  st.saving = true;
  auto count = frames.size();
  auto ck = route->ck;
  auto trimmed = std::exchange(st.acked_rows, 0); // deleted by the same statement
  ask_store(self, req::save_frames{ck, std::move(frames), trimmed},
            [=](store_answer<req::save_frames>& a) {
    auto& st = self->state;
    st.saving = false;
    if (!a) // nothing was deleted either
      st.acked_rows = std::max(st.acked_rows, trimmed);
    if (auto acked_rows = route->end_save(a ? &*a : nullptr); acked_rows > 0)
      trim(self, acked_rows);
    if (st.at == phase::stopped)
      flush_trim(self);
    if (a) {
      st.store_outage = false;
      st.save_backoff = defaults::save_retry_first;
      // Frames queued meanwhile, or the end of a stop. Online, frames go to
      // the stream instead: saving is for a route without one (or durable).
      if (st.at == phase::stopped || route->offline() || route->save_wanted())
        persist(self);
      return;
    }
    if (!st.store_outage)
      status(self, status_kind::sender_store_error, route->first_topic,
             "save_messages_from_sender connection_key " + std::to_string(ck) + ": "
               + a.error().message + " (" + std::to_string(count)
               + " at-least-once messages kept in memory, retrying)");
    st.store_outage = true;
    if (st.at == phase::stopped && std::chrono::steady_clock::now() >= st.stop_deadline) {
      finish_stop(self); // gives up and says how many are lost
      return;
    }
    if (!st.save_timer) {
      st.save_timer = true;
      later(self, st.save_backoff, msg::save_atom::value);
      st.save_backoff = std::min(st.save_backoff * 2, defaults::save_retry_max);
    }
  });
}

void trim(route_broker* self, int64_t id) {
  auto& st = self->state;
  if (!st.ctx.route->durable || st.at == phase::stopped) {
    ask_store(self, req::delete_frames{st.ctx.route->ck, id}, [](auto&) {});
    return;
  }
  st.acked_rows = std::max(st.acked_rows, id);
  if (!st.trim_timer) {
    st.trim_timer = true;
    later(self, defaults::durable_trim_delay, msg::trim_atom::value);
  }
}

void flush_trim(route_broker* self) {
  auto& st = self->state;
  if (st.acked_rows > 0 && !st.saving)
    ask_store(self, req::delete_frames{st.ctx.route->ck, std::exchange(st.acked_rows, 0)},
              [](auto&) {});
}

// A stopped route quits once its stream is closed (and CAF reported every
// stream it ended closed: see end_stream_now), the store has its unacked
// frames (or the stop gave up on them) and no request is pending.
void maybe_quit(route_broker* self) {
  auto& st = self->state;
  if (st.at == phase::stopped && st.persisted && !st.stream_open && self->num_connections() == 0
      && st.jobs_in_flight == 0)
    self->quit();
}

// While stopping: closes the stream.
void end_stream(route_broker* self) {
  auto& st = self->state;
  if (!st.stream_open)
    return;
  close_stream(self); // everything is written (or the grace period is over)
  st.stream_open = false;
  maybe_quit(self);
}

// Writes what is queued, then saves every unacked at-least-once frame and
// answers the stop once the store has them (or, after retrying for twice
// the store timeout, says how many could not be saved).
void finish_stop(route_broker* self) {
  auto& st = self->state;
  auto route = st.ctx.route;
  if (st.at != phase::stopped) {
    flush_trim(self);
    route->close();
    st.stream_open = st.at == phase::connected;
    if (st.stream_open)
      write_outbox(self);
    st.at = phase::stopped;
    st.stop_deadline = std::chrono::steady_clock::now() + 2 * knobs::store_timeout();
    if (st.stream_open) {
      if (st.unsent == 0)
        end_stream(self);
      else
        later(self, defaults::stop_grace, msg::grace_atom::value);
    }
  }
  if (st.saving || st.persisted)
    return; // persist() calls back when the save in flight ends
  auto unsaved = route->unsaved_count();
  bool gave_up = std::chrono::steady_clock::now() >= st.stop_deadline;
  if (unsaved > 0 && !gave_up) {
    persist(self);
    return;
  }
  if (unsaved > 0)
    status(self, status_kind::sender_store_error, route->first_topic,
           std::to_string(unsaved)
             + " at-least-once messages could not be saved before the route stopped");
  st.persisted = true;
  if (st.stopping)
    st.stopping->deliver(unsaved == 0);
  maybe_quit(self);
}

} // namespace liner::route_steps
