#include "actors/route_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

#include <sys/socket.h>

#include <liner/client_actor.hpp>

#include "actors/messages.hpp"
#include "runtime/net_address.hpp"
#include "stores/store.hpp"

namespace liner {

namespace {

using namespace std::chrono_literals;

constexpr auto connect_timeout = 1000ms;
constexpr auto first_backoff = 50ms;
constexpr auto max_backoff = 2000ms;
constexpr auto ack_poll_period = 200ms;
constexpr auto stop_grace = 500ms;
// Stop moving the outbox into CAF's write buffer while this much is unsent.
constexpr std::size_t max_unsent = 8 * 1024 * 1024;

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
  std::chrono::milliseconds backoff = first_backoff;
  std::size_t unsent = 0;
  bool poll_scheduled = false;
  std::chrono::steady_clock::time_point last_tcp_ack{};
  frame_decoder acks;
  bool attempt_in_flight = false;
  bool stream_open = false; // while stopping: the last writes are on their way
  bool persisted = false;   // while stopping: the store has the unacked frames
  int jobs_in_flight = 0;   // store requests not answered yet
  // Set while a stop waits for a connect attempt or a replay to finish (so
  // a goodbye queued on a brand-new route still goes out).
  std::optional<caf::response_promise> stopping;
  static inline const char* name = "liner.route";
};

using route_broker = caf::io::stateful_broker<route_actor_state>;

void status(route_broker* self, status_kind kind, std::string topic, std::string message) {
  self->send(self->state.ctx.client, status_atom::value, static_cast<int32_t>(kind),
             std::move(topic), std::string{}, std::move(message), self->state.ctx.route->addr());
}

void maybe_quit(route_broker* self);

// Runs a store job for the route; `then` runs on the route actor afterwards.
// A stopping route quits only once its jobs are answered: CAF keeps the
// handler of an unanswered request (and what it holds) forever.
template <class Then>
void store_job(route_broker* self, std::function<void(Store&)> job, Then then) {
  ++self->state.jobs_in_flight;
  self->request(self->state.ctx.store, caf::infinite, msg::store_job{std::move(job)})
    .then(
      [=](std::string& err) mutable {
        then(err);
        --self->state.jobs_in_flight;
        maybe_quit(self);
      },
      [=](caf::error& err) mutable {
        then(self->system().render(err));
        --self->state.jobs_in_flight;
        maybe_quit(self);
      });
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
    int fd = net::connect_with_timeout(addr, connect_timeout, error);
    conn->send(me, msg::connect_result{attempt, fd >= 0 ? std::make_shared<msg::socket_handoff>(fd)
                                                       : nullptr,
                                       error});
  });
}

void finish_stop(route_broker* self, caf::response_promise rp);

// A timer message to itself. Anonymous: a pending timer whose sender is the
// broker itself would keep a stopped broker alive.
template <class... Ts>
void later(route_broker* self, std::chrono::milliseconds delay, Ts... xs) {
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), delay, xs...);
}

// Runs a stop that waited for a connect attempt or a replay; false if none.
bool resume_stop(route_broker* self) {
  auto& st = self->state;
  if (!st.stopping)
    return false;
  auto rp = std::move(*st.stopping);
  st.stopping.reset();
  finish_stop(self, std::move(rp));
  return true;
}

// Persists what only memory holds, then retries after the backoff.
void lose_stream(route_broker* self, const std::string& why) {
  auto& st = self->state;
  auto route = st.ctx.route;
  status(self, status_kind::sender_route_lost, route->first_topic, why);
  auto frames = route->drain_unstored();
  if (!frames.empty()) {
    auto ck = route->ck;
    store_job(
      self, [ck, frames](Store& s) { s.save_messages_from_sender(ck, frames); },
      [=](const std::string& err) {
        if (!err.empty())
          status(self, status_kind::sender_store_error, "",
                 "save_messages_from_sender connection_key " + std::to_string(ck) + ": " + err);
      });
  }
  st.at = phase::connecting;
  if (resume_stop(self))
    return;
  auto attempt = ++st.attempt;
  later(self, st.backoff, msg::retry_atom::value, attempt);
  st.backoff = std::min(st.backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(max_backoff));
}

void write_outbox(route_broker* self) {
  auto& st = self->state;
  if (st.at != phase::connected || st.unsent > max_unsent)
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
  later(self, ack_poll_period, msg::poll_atom::value);
}

void apply_ack(route_broker* self, uint64_t number) {
  auto route = self->state.ctx.route;
  auto top_id = route->apply_ack(number);
  if (top_id > 0) {
    auto ck = route->ck;
    store_job(self, [ck, top_id](Store& s) { s.delete_messages_for_sender(ck, top_id); },
              [](const std::string&) {});
  }
}

// After connecting: hello, then the stored queue (older), then the outbox.
void replay(route_broker* self) {
  auto& st = self->state;
  st.at = phase::replaying;
  auto route = st.ctx.route;
  auto ck = route->ck;
  auto stored = std::make_shared<std::vector<stored_frame>>();
  auto ack = std::make_shared<uint64_t>(0);
  auto attempt = st.attempt;
  store_job(
    self,
    [ck, stored, ack](Store& s) {
      *ack = s.get_last_mess_number_for_sender(ck);
      *stored = s.read_messages_for_sender(ck);
    },
    [=](const std::string& err) {
      auto& st = self->state;
      if (st.at != phase::replaying || st.attempt != attempt)
        return; // the stream was lost meanwhile
      if (!err.empty())
        status(self, status_kind::sender_store_error, route->first_topic,
               "load_messages_for_sender " + route->addr() + ": " + err);
      apply_ack(self, *ack);
      std::vector<queued_frame> frames;
      int64_t covered_id = 0;
      auto& buf = self->wr_buf(st.hdl);
      for (auto& f : *stored) {
        frame_view view;
        std::string decode_error;
        if (!decode_frame(f.frame.data(), f.frame.size(), view, decode_error)
            || view.header.number <= *ack) {
          covered_id = std::max(covered_id, f.id);
          continue;
        }
        buf.insert(buf.end(), f.frame.begin(), f.frame.end());
        frames.push_back({view.header.number, std::move(f.frame), f.id});
      }
      route->prepend_stored(std::move(frames));
      if (covered_id > 0)
        store_job(self, [ck, covered_id](Store& s) { s.delete_messages_for_sender(ck, covered_id); },
                  [](const std::string&) {});
      st.unsent += buf.size();
      self->flush(st.hdl);
      st.at = phase::connected;
      st.backoff = first_backoff;
      write_outbox(self);
      if (!resume_stop(self))
        schedule_poll(self);
    });
}

void open_stream(route_broker* self, int fd) {
  auto& st = self->state;
  st.hdl = self->add_scribe(fd);
  st.fd = fd;
  st.acks = frame_decoder{};
  self->ack_writes(st.hdl, true);
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(64 * 1024));
  auto& buf = self->wr_buf(st.hdl);
  auto hello = hello_payload(*st.ctx.route);
  encode_raw_frame(buf, {0, st.ctx.route->ck, hello_topic_key, 0}, hello.data(), hello.size());
  st.unsent = buf.size();
  self->flush(st.hdl);
}

// A stopped route quits once its stream is closed, the store has its
// unacked frames and no store job is pending.
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

// Writes what is queued, then persists every unacked at-least-once frame and
// answers the stop request only once the store has them.
void finish_stop(route_broker* self, caf::response_promise rp) {
  auto& st = self->state;
  auto route = st.ctx.route;
  route->close();
  // What is written (a goodbye event, say) still goes out: the stream is
  // closed once CAF reports every byte sent (or after a grace period). No
  // replay is in flight here: a stop waits for it.
  st.stream_open = st.at == phase::connected;
  if (st.stream_open)
    write_outbox(self);
  st.at = phase::stopped;
  if (st.stream_open) {
    if (st.unsent == 0)
      end_stream(self);
    else
      later(self, stop_grace, msg::grace_atom::value);
  }
  auto frames = route->drain_unstored();
  auto ck = route->ck;
  store_job(
    self, [ck, frames](Store& s) { s.save_messages_from_sender(ck, frames); },
    [=](const std::string& err) mutable {
      if (!err.empty())
        status(self, status_kind::sender_store_error, "",
               "save_messages_from_sender connection_key " + std::to_string(ck) + ": " + err);
      rp.deliver(err.empty());
      self->state.persisted = true; // store_job calls maybe_quit next
    });
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
        lose_stream(self, "tcp connect failed: " + r.error + " " + st.ctx.route->addr());
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
        st.backoff = first_backoff;
        start_connect(self);
      }
    },
    [=](msg::connect_atom, const std::string& moved_to) {
      // The listener moved: a stream to the old address is stale.
      auto& st = self->state;
      if (st.at == phase::connected || st.at == phase::replaying)
        self->close(st.hdl); // connection_closed_msg then reconnects
      else if (st.at == phase::connecting) {
        st.backoff = first_backoff;
        start_connect(self);
      }
      (void) moved_to;
    },
    [=](msg::wake_atom) { write_outbox(self); },
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
      auto route = st.ctx.route;
      bool waiting;
      {
        std::lock_guard<std::mutex> guard{route->mutex()};
        waiting = !route->unacked().empty();
      }
      bool tcp_acks_flow = std::chrono::steady_clock::now() - st.last_tcp_ack < 1s;
      if (waiting && !tcp_acks_flow) {
        auto ck = route->ck;
        auto ack = std::make_shared<uint64_t>(0);
        store_job(self, [ck, ack](Store& s) { *ack = s.get_last_mess_number_for_sender(ck); },
                  [=](const std::string& err) {
                    if (err.empty())
                      apply_ack(self, *ack);
                  });
      }
      schedule_poll(self);
    },
    [=](const caf::io::connection_closed_msg&) {
      auto& st = self->state;
      if (st.at == phase::stopped) {
        st.stream_open = false;
        maybe_quit(self);
        return;
      }
      st.poll_scheduled = false;
      lose_stream(self, "stream closed: " + st.ctx.route->addr());
    },
    [=](msg::grace_atom) {
      // The peer did not take the last bytes in time: close anyway. (No
      // reply here: a reply to itself would keep a stopped broker alive.)
      end_stream(self);
    },
    [=](msg::stop_atom) -> caf::result<bool> {
      auto& st = self->state;
      auto rp = self->make_response_promise<bool>();
      if (st.at == phase::stopped) {
        rp.deliver(true); // a second stop
        return rp;
      }
      st.ctx.route->close();
      if ((st.at == phase::connecting && st.attempt_in_flight) || st.at == phase::replaying)
        st.stopping = rp; // the connector answers within its timeout, the store soon
      else
        finish_stop(self, rp);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_route_actor(caf::actor_system& sys, route_context ctx) {
  return sys.middleman().spawn_broker(route_actor, std::move(ctx));
}

} // namespace liner
