// The route actor's state and the steps its two source files share
// (route_actor.cpp: connecting, replaying, writing, acks; route_saving.cpp:
// saving at-least-once frames and stopping). Private to actors/.
#pragma once

#include <caf/io/broker.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "actors/messages.hpp"
#include "actors/route_actor.hpp"
#include "runtime/defaults.hpp"
#include "runtime/liveness.hpp"

namespace liner::route_steps {

using std::chrono::milliseconds;

enum class phase { connecting, authenticating, replaying, connected, stopped };

struct route_actor_state {
  route_context ctx;
  phase at = phase::connecting;
  caf::io::connection_handle hdl; // the live stream's (invalid once we end it)
  int fd = -1; // the stream's socket, to end it at once
  uint64_t attempt = 0;
  milliseconds backoff = defaults::route_backoff_first;
  std::set<std::string> tried; // addresses that failed since the last success or backoff
  std::size_t unsent = 0;
  std::chrono::steady_clock::time_point connected_at{}; // when the stream was last up
  bool poll_scheduled = false;
  std::chrono::steady_clock::time_point last_tcp_ack{};
  uint64_t refused_ack = 0; // the last ack refused (logged once, not per poll)
  frame_decoder acks;
  // Heartbeats (runtime/liveness.hpp): this stream's, and what the listener
  // announced on an earlier stream (its silence then counts from the start).
  liveness alive;
  std::optional<milliseconds> listener_heartbeat;
  std::optional<auth::initiator> handshake; // while authenticating
  std::unique_ptr<tls::session> tls;        // with TLS: every byte goes through it
  bool attempt_in_flight = false;
  bool dialed = false; // a connect was attempted before (the next one is a reconnect)
  // Replaying the stored queue a page at a time (defaults::replay_page_bytes).
  int64_t replay_after_id = 0;  // row id of the last stored frame read
  uint64_t replayed_up_to = 0;  // frames numbered up to this are written
  std::size_t page_limit = 0;   // frames to ask for in the next page
  bool page_in_flight = false;
  bool more_stored = false;     // the last page was full: there may be more
  bool stream_open = false; // while stopping: the last writes are on their way
  // Saving at-least-once frames: one save at a time, retried with backoff
  // while the store fails; one status event per outage.
  bool saving = false;
  bool save_timer = false;
  bool store_outage = false;
  milliseconds save_backoff = defaults::save_retry_first;
  bool persisted = false; // while stopping: the store has every unacked frame
  // Durable mode: rows of acked frames wait for the next save (or the trim
  // timer) to be deleted, instead of a delete per ack.
  int64_t acked_rows = 0;
  bool trim_timer = false;
  std::chrono::steady_clock::time_point stop_deadline{};
  int jobs_in_flight = 0; // store requests not answered yet
  // Set while a stop waits for a connect attempt or a replay to finish (so
  // a goodbye queued on a brand-new route still goes out), then while it
  // waits for the frames to be saved.
  std::optional<caf::response_promise> stopping;
  static inline const char* name = "liner.route";
};

using route_broker = caf::io::stateful_broker<route_actor_state>;

inline void status(route_broker* self, status_kind kind, std::string topic, std::string message) {
  self->send(self->state.ctx.client, msg::status_event{kind, std::move(topic), std::string{},
                                                       std::move(message),
                                                       self->state.ctx.route->addr()});
}

// -- route_saving.cpp ------------------------------------------------------------------

/// Saves what only memory holds; retried with backoff while the store fails.
void persist(route_broker* self);
/// Rows up to `id` hold acked frames: deletes them now, or (durable mode)
/// with the next save.
void trim(route_broker* self, int64_t id);
/// Deletes the rows trim() kept back, unless a save is on its way.
void flush_trim(route_broker* self);
/// Quits once a stopped route has closed its stream and saved its frames.
void maybe_quit(route_broker* self);
/// While stopping: closes the stream.
void end_stream(route_broker* self);
/// Writes what is queued, saves every unacked frame, answers the stop.
void finish_stop(route_broker* self);

// -- route_actor.cpp --------------------------------------------------------------------

/// Ends the stream now: the socket is shut down first, so CAF drops it at
/// once instead of waiting for the peer's FIN (a stream still closing when
/// the runtime stops would be leaked). CAF reports no close of ours.
void close_stream(route_broker* self);

void write_outbox(route_broker* self);
/// Appends bytes to the stream's write buffer (through TLS when it has it)
/// and counts them as unsent; the caller flushes.
void put(route_broker* self, const char* p, std::size_t n);

// -- helpers ----------------------------------------------------------------------------

// Sends a request to the store; `then` runs on the route actor with the
// answer. A stopping route quits only once its requests are answered.
template <class R, class Then>
void ask_store(route_broker* self, R request, Then then) {
  ++self->state.jobs_in_flight;
  auto done = [=](store_answer<R>& answer) mutable {
    then(answer);
    --self->state.jobs_in_flight;
    maybe_quit(self);
  };
  self->request(self->state.ctx.store, knobs::store_timeout() + store_answer_margin,
                with_deadline(std::move(request)))
    .then(done, [=](caf::error& e) mutable {
      store_answer<R> answer = fail(error_code::store, e == caf::sec::request_timeout
                                                         ? missed_deadline_message()
                                                         : self->system().render(e));
      done(answer);
    });
}

// A timer message to itself. Anonymous: a pending timer whose sender is the
// broker itself would keep a stopped broker alive.
template <class... Ts>
void later(route_broker* self, milliseconds delay, Ts... xs) {
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), delay, xs...);
}

} // namespace liner::route_steps
