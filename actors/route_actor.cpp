#include "actors/route_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include <sys/socket.h>

#include "actors/messages.hpp"
#include "runtime/defaults.hpp"
#include "runtime/net_address.hpp"

namespace liner {

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// The hello names this route incarnation and the first number it assigned,
// so a listener that still remembers higher numbers from an earlier
// incarnation of the same sender knows they start over (see delivery_actor).
std::string hello_payload(const route_state& route) {
  return R"({"acks":true,"epoch":)" + std::to_string(route.epoch) + R"(,"first":)"
         + std::to_string(route.first_number) + R"(,"liner_caf":1})";
}

enum class phase { connecting, replaying, connected, stopped };

struct route_actor_state {
  route_context ctx;
  phase at = phase::connecting;
  caf::io::connection_handle hdl;
  int fd = -1; // the stream's socket, to end it at once when stopping
  uint64_t attempt = 0;
  milliseconds backoff = defaults::route_backoff_first;
  std::set<std::string> tried; // addresses that failed since the last success or backoff
  std::size_t unsent = 0;
  bool poll_scheduled = false;
  std::chrono::steady_clock::time_point last_tcp_ack{};
  frame_decoder acks;
  bool attempt_in_flight = false;
  bool stream_open = false; // while stopping: the last writes are on their way
  // Saving at-least-once frames: one save at a time, retried with backoff
  // while the store fails; one status event per outage.
  bool saving = false;
  bool save_timer = false;
  bool store_outage = false;
  milliseconds save_backoff = defaults::save_retry_first;
  bool persisted = false; // while stopping: the store has every unacked frame
  std::chrono::steady_clock::time_point stop_deadline{};
  int jobs_in_flight = 0; // store requests not answered yet
  // Set while a stop waits for a connect attempt or a replay to finish (so
  // a goodbye queued on a brand-new route still goes out), then while it
  // waits for the frames to be saved.
  std::optional<caf::response_promise> stopping;
  static inline const char* name = "liner.route";
};

using route_broker = caf::io::stateful_broker<route_actor_state>;

void status(route_broker* self, status_kind kind, std::string topic, std::string message) {
  self->send(self->state.ctx.client, msg::status_event{kind, std::move(topic), std::string{},
                                                       std::move(message),
                                                       self->state.ctx.route->addr()});
}

void maybe_quit(route_broker* self);

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

void start_connect(route_broker* self) {
  auto& st = self->state;
  st.at = phase::connecting;
  auto attempt = ++st.attempt;
  st.attempt_in_flight = true;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto addr = st.ctx.route->addr();
  // A short-lived thread per attempt: a blackholed peer never delays others.
  self->system().spawn<caf::detached>([me, addr, attempt](caf::event_based_actor* conn) {
    std::string error;
    bool refused = false;
    int fd = net::connect_with_timeout(addr, defaults::connect_timeout, error, &refused);
    conn->send(me, msg::connect_result{attempt, fd >= 0 ? std::make_shared<msg::socket_handoff>(fd)
                                                       : nullptr,
                                       error, refused});
  });
}

void finish_stop(route_broker* self);

// -- saving at-least-once frames ---------------------------------------------------

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
  ask_store(self, req::save_frames{ck, std::move(frames)}, [=](store_answer<req::save_frames>& a) {
    auto& st = self->state;
    st.saving = false;
    route->end_save(a.ok());
    if (a) {
      st.store_outage = false;
      st.save_backoff = defaults::save_retry_first;
      persist(self); // frames queued meanwhile, or the end of a stop
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

// -- connecting ---------------------------------------------------------------------

// Runs a stop that waited for a connect attempt or a replay; false if none.
bool resume_stop(route_broker* self) {
  auto& st = self->state;
  if (!st.stopping || st.at == phase::stopped)
    return false;
  finish_stop(self);
  return true;
}

// Waits the backoff, then dials again (all addresses get another chance).
void retry_later(route_broker* self) {
  auto& st = self->state;
  st.tried.clear();
  later(self, st.backoff, msg::retry_atom::value, st.attempt);
  st.backoff = std::min(st.backoff * 2, defaults::route_backoff_max);
}

// The stream is gone or the connect failed: keep the at-least-once frames
// (saving them), then try the listener's next address, or the same one
// after the backoff. A refused connect marks the address dead in the store.
void lose_stream(route_broker* self, const std::string& why, bool refused) {
  auto& st = self->state;
  auto route = st.ctx.route;
  status(self, status_kind::sender_route_lost, route->first_topic, why);
  route->stream_lost();
  st.at = phase::connecting;
  st.poll_scheduled = false;
  persist(self);
  if (resume_stop(self))
    return;
  auto addr = route->addr();
  st.tried.insert(addr);
  if (refused)
    ask_store(self, req::mark_dead{addr, route->listener_name}, [](auto&) {});
  auto attempt = ++st.attempt;
  ask_store(self, req::listener_addresses{route->listener_name},
            [=](store_answer<req::listener_addresses>& a) {
              auto& st = self->state;
              if (st.at != phase::connecting || st.attempt != attempt)
                return;
              if (a)
                for (auto& next : *a)
                  if (!st.tried.count(next)) {
                    route->set_addr(next);
                    start_connect(self);
                    return;
                  }
              retry_later(self);
            });
}

void write_outbox(route_broker* self) {
  auto& st = self->state;
  if (st.at != phase::connected || st.unsent > defaults::max_unsent_bytes)
    return;
  auto data = st.ctx.route->take_outbox();
  if (data.empty())
    return;
  auto& buf = self->wr_buf(st.hdl);
  st.unsent += data.size();
  if (buf.empty())
    buf.swap(data); // data: CAF's spent buffer now
  else
    buf.insert(buf.end(), data.begin(), data.end());
  st.ctx.route->recycle(std::move(data));
  self->flush(st.hdl);
}

void schedule_poll(route_broker* self) {
  auto& st = self->state;
  if (st.poll_scheduled || st.at != phase::connected)
    return;
  st.poll_scheduled = true;
  later(self, defaults::ack_poll_period, msg::poll_atom::value);
}

void apply_ack(route_broker* self, uint64_t number) {
  auto route = self->state.ctx.route;
  auto top_id = route->apply_ack(number);
  if (top_id > 0)
    ask_store(self, req::delete_frames{route->ck, top_id}, [](auto&) {});
}

// Writes the replayed frames, then the outbox: the stream is up.
void write_replay(route_broker* self, std::vector<queued_frame> stored) {
  auto& st = self->state;
  auto route = st.ctx.route;
  auto& buf = self->wr_buf(st.hdl);
  for (auto& f : route->replay_frames(std::move(stored)))
    buf.insert(buf.end(), f.bytes.begin(), f.bytes.end());
  st.unsent += buf.size();
  self->flush(st.hdl);
  st.at = phase::connected;
  st.backoff = defaults::route_backoff_first;
  st.tried.clear();
  write_outbox(self);
  if (!resume_stop(self))
    schedule_poll(self);
}

// After connecting: hello, then what the store holds (older), then what only
// memory holds, then the outbox. Without the store nothing is written: a
// newer frame first would make the listener drop the stored ones.
void replay(route_broker* self) {
  auto& st = self->state;
  st.at = phase::replaying;
  auto route = st.ctx.route;
  if (!route->queue_in_store()) {
    write_replay(self, {});
    return;
  }
  auto ck = route->ck;
  auto attempt = st.attempt;
  ask_store(self, req::read_queue{ck}, [=](store_answer<req::read_queue>& a) {
    auto& st = self->state;
    if (st.at != phase::replaying || st.attempt != attempt)
      return; // the stream was lost meanwhile
    if (!a) {
      status(self, status_kind::sender_store_error, route->first_topic,
             "load_messages_for_sender " + route->addr() + ": " + a.error().message);
      self->close(st.hdl); // connection_closed_msg: retry after the backoff
      return;
    }
    apply_ack(self, a->ack);
    std::vector<queued_frame> frames;
    int64_t covered_id = 0;
    for (auto& f : a->frames) {
      frame_view view;
      std::string decode_error;
      if (!decode_frame(f.frame.data(), f.frame.size(), view, decode_error)
          || view.header.number <= a->ack) {
        covered_id = std::max(covered_id, f.id);
        continue;
      }
      frames.push_back({view.header.number, std::move(f.frame), f.id, false});
    }
    if (covered_id > 0)
      ask_store(self, req::delete_frames{ck, covered_id}, [](auto&) {});
    write_replay(self, std::move(frames));
  });
}

void open_stream(route_broker* self, int fd) {
  auto& st = self->state;
  st.hdl = self->add_scribe(fd);
  st.fd = fd;
  st.acks = frame_decoder{};
  self->ack_writes(st.hdl, true);
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(defaults::route_read_size));
  auto& buf = self->wr_buf(st.hdl);
  auto hello = hello_payload(*st.ctx.route);
  encode_frame(buf, {0, st.ctx.route->ck, hello_topic_key, 0}, hello.data(), hello.size());
  st.unsent = buf.size();
  self->flush(st.hdl);
}

// -- stopping --------------------------------------------------------------------------

// A stopped route quits once its stream is closed, the store has its
// unacked frames (or the stop gave up on them) and no request is pending.
void maybe_quit(route_broker* self) {
  auto& st = self->state;
  if (st.at == phase::stopped && st.persisted && !st.stream_open && st.jobs_in_flight == 0)
    self->quit();
}

// While stopping: closes the stream.
void end_stream(route_broker* self) {
  auto& st = self->state;
  if (!st.stream_open)
    return;
  // Everything is written (or the grace period is over): shut the socket
  // down so CAF drops the stream now instead of waiting for the peer's FIN
  // (a stream still closing when the runtime stops would be leaked).
  ::shutdown(st.fd, SHUT_RDWR);
  self->close(st.hdl);
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

caf::behavior route_actor(route_broker* self, route_context ctx) {
  self->state.ctx = std::move(ctx);
  start_connect(self);
  return {
    [=](msg::connect_result& r) {
      auto& st = self->state;
      if (r.attempt != st.attempt || st.at != phase::connecting)
        return; // a stale attempt; its socket closes with the handoff
      st.attempt_in_flight = false;
      if (st.stopping) {
        if (r.socket) {
          open_stream(self, r.socket->release());
          st.at = phase::connected;
        }
        resume_stop(self);
        return;
      }
      if (!r.socket) {
        lose_stream(self, "tcp connect failed: " + r.error + " " + st.ctx.route->addr(), r.refused);
        return;
      }
      open_stream(self, r.socket->release());
      replay(self);
    },
    [=](msg::retry_atom, uint64_t attempt) {
      if (attempt == self->state.attempt && self->state.at == phase::connecting)
        start_connect(self);
    },
    [=](msg::connect_atom) {
      // The peer announced itself: retry now instead of waiting the backoff
      // (an attempt in flight may target the old address: start anew).
      auto& st = self->state;
      if (st.at == phase::connecting) {
        st.backoff = defaults::route_backoff_first;
        st.tried.clear();
        start_connect(self);
      }
    },
    [=](msg::connect_atom, const std::string&) {
      // The listener moved: a stream to the old address is stale.
      auto& st = self->state;
      if (st.at == phase::connected || st.at == phase::replaying)
        self->close(st.hdl); // connection_closed_msg then reconnects
      else if (st.at == phase::connecting) {
        st.backoff = defaults::route_backoff_first;
        st.tried.clear();
        start_connect(self);
      }
    },
    [=](msg::wake_atom) { write_outbox(self); },
    [=](msg::save_atom) {
      self->state.save_timer = false;
      persist(self);
    },
    [=](const caf::io::data_transferred_msg& m) {
      auto& st = self->state;
      st.unsent = m.remaining;
      if (st.at == phase::stopped && st.unsent == 0)
        end_stream(self);
      else
        write_outbox(self);
    },
    [=](caf::io::new_data_msg& m) {
      auto& st = self->state;
      bool ok = st.acks.feed(m.buf.data(), m.buf.size(), [&](const frame_view& f) {
        if (f.header.topic_key == ack_topic_key && f.header.connection_key == st.ctx.route->ck) {
          st.last_tcp_ack = std::chrono::steady_clock::now();
          apply_ack(self, f.header.number);
        }
      });
      if (!ok)
        self->close(st.hdl); // a listener never sends garbage; treat as loss
    },
    [=](msg::poll_atom) {
      // Rust liner listeners ack only through the store.
      auto& st = self->state;
      st.poll_scheduled = false;
      bool tcp_acks_flow = std::chrono::steady_clock::now() - st.last_tcp_ack < 1s;
      if (st.ctx.route->waiting_for_ack() && !tcp_acks_flow)
        ask_store(self, req::read_ack{st.ctx.route->ck}, [=](store_answer<req::read_ack>& a) {
          if (a)
            apply_ack(self, *a);
        });
      schedule_poll(self);
    },
    [=](const caf::io::connection_closed_msg&) {
      auto& st = self->state;
      if (st.at == phase::stopped) {
        st.stream_open = false;
        maybe_quit(self);
        return;
      }
      lose_stream(self, "stream closed: " + st.ctx.route->addr(), false);
    },
    [=](msg::grace_atom) {
      // The peer did not take the last bytes in time: close anyway. (No
      // reply here: a reply to itself would keep a stopped broker alive.)
      end_stream(self);
    },
    [=](msg::stop_atom) -> caf::result<bool> {
      auto& st = self->state;
      auto rp = self->make_response_promise<bool>();
      if (st.stopping) {
        rp.deliver(true); // a second stop
        return rp;
      }
      st.stopping = rp;
      st.ctx.route->close();
      // The connector answers within its timeout, the store soon.
      if (!((st.at == phase::connecting && st.attempt_in_flight) || st.at == phase::replaying))
        finish_stop(self);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_route_actor(caf::actor_system& sys, route_context ctx) {
  return sys.middleman().spawn_broker(route_actor, std::move(ctx));
}

} // namespace liner
