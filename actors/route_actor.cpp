// The route actor, part one: connecting (every address of the listener, in
// turn), replaying, writing, acks, and its behavior. Saving and stopping are
// in route_saving.cpp.
#include "actors/route_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <utility>

#include "actors/broker_exit.hpp"
#include "actors/route_broker.hpp"
#include "runtime/log.hpp"
#include "runtime/net_address.hpp"

namespace liner {

namespace route_steps {

using namespace std::chrono_literals;

namespace {

// The hello names this route incarnation and the first number it assigned,
// so a listener that still remembers higher numbers from an earlier
// incarnation of the same sender knows they start over (see delivery_actor).
// With heartbeats on, it also says how often we write on an idle stream.
std::string hello_payload(const route_state& route) {
  auto beat = knobs::heartbeat_interval();
  return R"({"acks":true,"epoch":)" + std::to_string(route.epoch) + R"(,"first":)"
         + std::to_string(route.first_number)
         + (beat.count() > 0 ? "," + heartbeat_member(beat) : std::string{}) + R"(,"liner_caf":1})";
}

void check_liveness(route_broker* self, uint64_t attempt);

// The stream's liveness checks run from its hello until it ends. Not on a
// stream opened while stopping: it only says goodbye, and a pending timer
// would keep the stopped broker alive after it quit.
void watch_liveness(route_broker* self) {
  auto& st = self->state;
  st.alive.start(std::chrono::steady_clock::now(), st.listener_heartbeat);
  if (!st.stopping)
    later(self, liveness::tick(knobs::heartbeat_interval(), knobs::peer_timeout()),
          msg::heartbeat_atom::value, st.attempt);
}


void start_connect(route_broker* self) {
  auto& st = self->state;
  st.at = phase::connecting;
  auto attempt = ++st.attempt;
  st.attempt_in_flight = true;
  if (std::exchange(st.dialed, true))
    st.ctx.route->stats().reconnects.fetch_add(1, std::memory_order_relaxed);
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto addr = st.ctx.route->addr();
  // A short-lived thread per attempt: a blackholed peer never delays others.
  self->system().spawn<caf::detached>([me, addr, attempt](caf::event_based_actor* conn) {
    std::string error;
    bool refused = false;
    int fd = net::connect_with_timeout(addr, defaults::connect_timeout, error, &refused);
    if (fd >= 0)
      net::set_liveness(fd, knobs::peer_timeout()); // the listener's host may vanish silently
    conn->send(me, msg::connect_result{attempt, fd >= 0 ? std::make_shared<msg::socket_handoff>(fd)
                                                       : nullptr,
                                       error, refused});
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

// Reports the stream (or connect attempt) lost and keeps the at-least-once
// frames (saving them). True if a stop was waiting and has now run.
bool note_stream_lost(route_broker* self, const std::string& why) {
  auto& st = self->state;
  auto route = st.ctx.route;
  // A stream that lived a while was a success: start the backoff anew. One
  // closed at once (a peer refusing our certificate, say) keeps doubling it.
  if (st.at == phase::connected
      && std::chrono::steady_clock::now() - st.connected_at >= defaults::route_stable_after)
    st.backoff = defaults::route_backoff_first;
  status(self, status_kind::sender_route_lost, route->first_topic, why);
  route->stats().connected.store(false, std::memory_order_relaxed);
  route->set_unreachable(true);
  route->stream_lost();
  st.at = phase::connecting;
  st.poll_scheduled = false;
  persist(self);
  return resume_stop(self);
}

// The stream is gone or the connect failed: keep the frames, then try the
// listener's next address, or the same one after the backoff. A refused
// connect marks the address dead in the store.
void lose_stream(route_broker* self, const std::string& why, bool refused) {
  auto& st = self->state;
  auto route = st.ctx.route;
  if (note_stream_lost(self, why))
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

// Closes the stream ourselves (CAF sends no connection_closed_msg for
// that) and goes on as after a lost one.
void drop_stream(route_broker* self, const std::string& why, bool log = true) {
  // At debug only: the status event of lose_stream carries `why`, and the
  // client logs those at warn once per cause (a peer refusing every
  // reconnect would otherwise write a line per attempt).
  if (log)
    log::debug(self->state.ctx.own_name, why);
  close_stream(self);
  lose_stream(self, why, false);
}

void schedule_poll(route_broker* self) {
  auto& st = self->state;
  if (st.poll_scheduled || (st.at != phase::connected && st.at != phase::replaying))
    return;
  st.poll_scheduled = true;
  later(self, defaults::ack_poll_period, msg::poll_atom::value);
}

void read_page(route_broker* self);

// A stop came in the middle of a drain: the rest stays in the store, and
// nothing newer may follow on this stream, so it ends here (what memory
// alone holds is saved by the stop).
void stop_replay(route_broker* self) {
  auto& st = self->state;
  close_stream(self);
  st.more_stored = false;
  finish_stop(self);
}

// Between two pages of a replay: the next one is read once the socket took
// most of this one and the listener acked most of what the replay wrote, so
// a long queue drains through a few pages of memory. Called again as CAF
// reports writes and as acks come.
void next_page(route_broker* self) {
  auto& st = self->state;
  if (st.at != phase::replaying || !st.more_stored || st.page_in_flight)
    return;
  if (st.unsent > defaults::replay_page_bytes / 2
      || st.ctx.route->unacked_up_to(st.replayed_up_to) > 2 * st.page_limit)
    return;
  read_page(self);
}

// `source` says where the ack came from, for the log line of a refused one.
void apply_ack(route_broker* self, uint64_t number, const char* source) {
  auto route = self->state.ctx.route;
  auto top_id = route->apply_ack(number);
  if (!top_id) {
    if (std::exchange(self->state.refused_ack, number) != number)
      log::warn(self->state.ctx.own_name, "ignored an ack (" + std::string(source) + ") for message "
                    + std::to_string(number) + " on connection_key " + std::to_string(route->ck)
                    + " to " + route->addr() + ": no message above "
                    + std::to_string(route->written()) + " was ever sent on it");
    return;
  }
  if (*top_id > 0)
    trim(self, *top_id);
  next_page(self);
}

// Writes a page of the replay: the stored frames read and what only memory
// holds up to `up_to`, in number order. After the last page the stream is
// up and the outbox follows. Nothing newer may go out before an older
// stored frame: the listener would drop that one as a duplicate.
void write_page(route_broker* self, std::vector<queued_frame> stored, uint64_t up_to, bool last) {
  auto& st = self->state;
  auto route = st.ctx.route;
  for (auto& f : route->replay_frames(std::move(stored), st.replayed_up_to, up_to, last)) {
    put(self, f.bytes.data(), f.bytes.size());
    st.replayed_up_to = std::max(st.replayed_up_to, f.number);
  }
  self->flush(st.hdl);
  if (!last && st.stopping) {
    stop_replay(self);
    return;
  }
  if (!last) {
    st.replayed_up_to = std::max(st.replayed_up_to, up_to);
    st.more_stored = true;
    schedule_poll(self); // acks through the store free memory for the next page too
    next_page(self);
    return;
  }
  st.more_stored = false; // and the route is online again (replay_frames)
  if (!st.listener_heartbeat)
    route->set_unreachable(false); // a listener that never writes: connected is all we know
  st.at = phase::connected;
  st.connected_at = std::chrono::steady_clock::now();
  st.tried.clear();
  write_outbox(self);
  if (!resume_stop(self))
    schedule_poll(self);
}

// Reads the next page of the stored queue and writes it.
void read_page(route_broker* self) {
  auto& st = self->state;
  auto route = st.ctx.route;
  auto ck = route->ck;
  auto attempt = st.attempt;
  auto limit = st.page_limit;
  st.page_in_flight = true;
  ask_store(self, req::read_queue{ck, st.replay_after_id, limit},
            [=](store_answer<req::read_queue>& a) {
    auto& st = self->state;
    if (st.at != phase::replaying || st.attempt != attempt)
      return; // the stream was lost meanwhile
    if (!a) {
      status(self, status_kind::sender_store_error, route->first_topic,
             "load_messages_for_sender " + route->addr() + ": " + a.error().message);
      drop_stream(self, "stream closed: the stored queue could not be read", false);
      return;
    }
    apply_ack(self, a->ack, "store");
    auto acked = route->acked(); // a forged stored ack was refused above
    std::vector<queued_frame> frames;
    int64_t covered_id = 0;
    std::size_t bytes = 0;
    uint64_t top = 0;
    for (auto& f : a->frames) {
      st.replay_after_id = std::max(st.replay_after_id, f.id);
      bytes += f.frame.size();
      frame_view view;
      std::string decode_error;
      if (!decode_frame(f.frame.data(), f.frame.size(), view, decode_error)
          || view.header.number <= acked) {
        covered_id = std::max(covered_id, f.id);
        continue;
      }
      top = std::max(top, view.header.number);
      frames.push_back({view.header.number, std::move(f.frame), f.id, false});
    }
    if (covered_id > 0)
      ask_store(self, req::delete_frames{ck, covered_id}, [](auto&) {});
    bool last = a->frames.size() < limit;
    if (!a->frames.empty()) // as many as fit the page's bytes at this page's average size
      st.page_limit = std::clamp<std::size_t>(
        defaults::replay_page_bytes / std::max<std::size_t>(1, bytes / a->frames.size()), 1,
        defaults::replay_page_frames_max);
    st.page_in_flight = false; // (not before: the ack above must not read a page too)
    write_page(self, std::move(frames), last ? UINT64_MAX : std::max(top, st.replayed_up_to),
               last);
  });
}

// After connecting: hello, then what the store holds (older), then what only
// memory holds, then the outbox. Without the store nothing is written: a
// newer frame first would make the listener drop the stored ones.
void replay(route_broker* self) {
  auto& st = self->state;
  st.at = phase::replaying;
  st.replay_after_id = 0;
  st.replayed_up_to = 0;
  st.page_limit = defaults::replay_first_page_frames;
  st.page_in_flight = false;
  st.more_stored = false;
  if (!st.ctx.route->queue_in_store()) {
    write_page(self, {}, UINT64_MAX, true);
    return;
  }
  read_page(self);
}

// Writes one frame of the protocol extension (number 0, no flags).
void write_control(route_broker* self, int32_t topic_key, const std::string& payload) {
  auto& st = self->state;
  byte_buffer frame;
  encode_frame(frame, {0, st.ctx.route->ck, topic_key, 0}, payload.data(), payload.size());
  put(self, frame.data(), frame.size());
  self->flush(st.hdl);
}

// The stream is ours to write: hello, then (unless stopping) the replay.
void stream_ready(route_broker* self) {
  auto& st = self->state;
  write_control(self, hello_topic_key, hello_payload(*st.ctx.route));
  watch_liveness(self);
  if (st.stopping) {
    st.at = phase::connected;
    resume_stop(self);
    return;
  }
  replay(self);
}


// With a shared secret the stream starts with the handshake
// (runtime/auth.hpp); without one it is ready at once.
void open_stream(route_broker* self, int fd) {
  auto& st = self->state;
  st.hdl = self->add_scribe(fd);
  st.fd = fd;
  auto& stats = st.ctx.route->stats();
  stats.connects.fetch_add(1, std::memory_order_relaxed);
  stats.connected.store(true, std::memory_order_relaxed);
  log::info(st.ctx.own_name,
            "route to '" + st.ctx.route->listener_name + "' at " + st.ctx.route->addr() + " connected");
  st.acks = frame_decoder{};
  st.unsent = 0;
  self->ack_writes(st.hdl, true);
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(defaults::route_read_size));
  st.tls.reset();
  if (st.ctx.tls) {
    st.tls = std::make_unique<tls::session>(st.ctx.tls, false);
    st.tls->start(self->wr_buf(st.hdl)); // the ClientHello; frames wait for the handshake
    self->flush(st.hdl);
  }
  if (!st.ctx.secret) {
    stream_ready(self);
    return;
  }
  st.at = phase::authenticating;
  st.handshake.emplace(st.ctx.secret, st.ctx.own_name, st.ctx.route->listener_name);
  write_control(self, auth::topic_key, st.handshake->hello());
  later(self, knobs::first_frame_timeout(), msg::deadline_atom::value, st.attempt);
}

// The listener's answer to our hello.
void on_challenge(route_broker* self, const frame_view& f) {
  auto& st = self->state;
  auto response = st.handshake->on_challenge(f.data, f.size);
  st.handshake.reset();
  if (!response) {
    drop_stream(self, "authentication with " + st.ctx.route->listener_name + " at "
                         + st.ctx.route->addr() + " failed: " + response.error().message);
    return;
  }
  write_control(self, auth::topic_key, *response);
  stream_ready(self);
}

// Every tick of a stream: a listener that went silent (its host vanished,
// a partition, a frozen process) loses the stream; an idle stream gets a
// heartbeat, if the listener negotiated them.
void check_liveness(route_broker* self, uint64_t attempt) {
  auto& st = self->state;
  if (attempt != st.attempt || st.stopping
      || (st.at != phase::replaying && st.at != phase::connected))
    return; // that stream ended (the next one has its own checks), or the route stops
  auto now = std::chrono::steady_clock::now();
  auto timeout = knobs::peer_timeout();
  if (st.alive.silent(now, timeout)) { // (a stable text: the client logs each cause once)
    drop_stream(self, "no word from " + st.ctx.route->listener_name + " at " + st.ctx.route->addr()
                        + " within the peer timeout ("
                        + std::to_string(st.alive.limit(timeout).count()) + " ms)");
    return;
  }
  auto beat = knobs::heartbeat_interval();
  if (st.unsent == 0 && st.alive.heartbeat_due(now, beat))
    write_control(self, heartbeat_topic_key, std::string{});
  later(self, liveness::tick(beat, timeout), msg::heartbeat_atom::value, attempt);
}

caf::behavior route_actor(route_broker* self, route_context ctx) {
  close_mailbox_on_exit(self); // its store requests' timeouts outlive it
  self->state.ctx = std::move(ctx);
  start_connect(self);
  return {
    [=](msg::connect_result& r) {
      auto& st = self->state;
      if (r.attempt != st.attempt || st.at != phase::connecting)
        return; // a stale attempt; its socket closes with the handoff
      st.attempt_in_flight = false;
      if (st.stopping && !r.socket) {
        resume_stop(self);
        return;
      }
      if (!r.socket) {
        lose_stream(self, "tcp connect failed: " + r.error + " " + st.ctx.route->addr(), r.refused);
        return;
      }
      open_stream(self, r.socket->release()); // then stream_ready: replay, or the stop resumes
    },
    [=](msg::deadline_atom, uint64_t attempt) {
      auto& st = self->state;
      if (st.at == phase::authenticating && st.attempt == attempt)
        drop_stream(self, st.ctx.route->listener_name + " at " + st.ctx.route->addr()
                             + " did not answer our authentication within "
                             + std::to_string(knobs::first_frame_timeout().count())
                             + " ms (a peer without liner-caf's authentication, e.g. Rust liner?)");
    },
    [=](msg::retry_atom, uint64_t attempt) {
      if (attempt == self->state.attempt && self->state.at == phase::connecting)
        start_connect(self);
    },
    [=](msg::connect_atom) {
      // The peer announced itself: retry now instead of waiting the backoff
      // (an attempt in flight may target the old address: start anew).
      auto& st = self->state;
      if (st.at == phase::connecting && !st.stopping) { // a stopping route dials no more
        st.backoff = defaults::route_backoff_first;
        st.tried.clear();
        start_connect(self);
      }
    },
    [=](msg::connect_atom, const std::string&) {
      // The listener moved: a stream to the old address is stale.
      auto& st = self->state;
      if (st.at == phase::connected || st.at == phase::replaying
          || st.at == phase::authenticating) {
        close_stream(self); // CAF reports no close of ours: go on here
        if (note_stream_lost(self, "stream closed: the listener moved to " + st.ctx.route->addr()))
          return;
        st.backoff = defaults::route_backoff_first;
        st.tried.clear();
        start_connect(self);
      } else if (st.at == phase::connecting && !st.stopping) {
        st.backoff = defaults::route_backoff_first;
        st.tried.clear();
        start_connect(self);
      }
    },
    [=](msg::wake_atom) {
      auto& route = *self->state.ctx.route;
      if (route.offline()) {
        persist(self); // an at-least-once frame sent while the listener is away
        return;
      }
      write_outbox(self);
      if (route.save_wanted())
        persist(self); // and saved at once: a sender waits for it
    },
    [=](msg::save_atom) {
      self->state.save_timer = false;
      persist(self);
    },
    [=](msg::trim_atom) {
      self->state.trim_timer = false;
      if (self->state.saving && self->state.acked_rows > 0) // the next save takes them
        later(self, defaults::durable_trim_delay, msg::trim_atom::value);
      else
        flush_trim(self);
    },
    [=](const caf::io::data_transferred_msg& m) {
      auto& st = self->state;
      if (m.handle != st.hdl)
        return; // a stream we ended
      st.unsent = m.remaining;
      if (st.at == phase::stopped && st.unsent == 0)
        end_stream(self);
      else if (st.at == phase::replaying)
        next_page(self);
      else
        write_outbox(self);
    },
    [=](caf::io::new_data_msg& m) {
      auto& st = self->state;
      if (m.handle != st.hdl)
        return; // bytes of a stream we ended
      byte_buffer plain;
      auto bytes = tls::open_received(st.tls.get(), m.buf, plain, self->wr_buf(st.hdl));
      if (st.tls)
        self->flush(st.hdl); // its handshake answers
      if (!bytes) {
        if (st.at != phase::connecting)
          drop_stream(self, "TLS with " + st.ctx.route->addr() + ": " + st.tls->error());
        return;
      }
      if (st.at != phase::connecting) { // (else: bytes of a stream we dropped)
        st.alive.heard(std::chrono::steady_clock::now());
        st.ctx.route->set_unreachable(false);
      }
      bool ok = st.acks.feed(bytes->data, bytes->size, [&](const frame_view& f) {
        if (st.at == phase::connecting)
          return; // the stream was dropped by an earlier frame of this read
        if (st.at == phase::authenticating) {
          if (f.header.topic_key == auth::topic_key && st.handshake)
            on_challenge(self, f);
          return; // nothing else counts before the handshake is through
        }
        if (f.header.topic_key == ack_topic_key && f.header.connection_key == st.ctx.route->ck) {
          st.last_tcp_ack = std::chrono::steady_clock::now();
          apply_ack(self, f.header.number, "stream");
        } else if (f.header.topic_key == heartbeat_topic_key && f.header.number == 0) {
          // The listener's answer to our hello says it speaks heartbeats;
          // later ones are empty and only count as heard.
          if (auto interval = announced_heartbeat(f.data, f.size)) {
            st.alive.peer_speaks(*interval);
            st.listener_heartbeat = *interval;
          }
        }
      });
      if (!ok && st.at != phase::connecting)
        drop_stream(self, "stream closed: " + st.acks.error()); // a listener never sends garbage
    },
    [=](msg::heartbeat_atom, uint64_t attempt) { check_liveness(self, attempt); },
    [=](msg::poll_atom) {
      // Rust liner listeners ack only through the store.
      auto& st = self->state;
      st.poll_scheduled = false;
      bool tcp_acks_flow = std::chrono::steady_clock::now() - st.last_tcp_ack < 1s;
      if (st.ctx.route->waiting_for_ack() && !tcp_acks_flow)
        ask_store(self, req::read_ack{st.ctx.route->ck}, [=](store_answer<req::read_ack>& a) {
          if (a)
            apply_ack(self, *a, "store");
        });
      schedule_poll(self);
    },
    [=](const caf::io::connection_closed_msg& m) {
      auto& st = self->state;
      if (m.handle != st.hdl) {
        maybe_quit(self); // a stream we ended is gone now
        return;
      }
      st.hdl = caf::io::connection_handle{};
      st.fd = -1;
      st.ctx.route->stats().connected.store(false, std::memory_order_relaxed);
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
      if (st.at == phase::replaying && st.more_stored && !st.page_in_flight)
        stop_replay(self);
      else if (!((st.at == phase::connecting && st.attempt_in_flight) || st.at == phase::replaying
                 || st.at == phase::authenticating))
        finish_stop(self);
      return rp;
    },
  };
}

} // namespace

void write_outbox(route_broker* self) {
  auto& st = self->state;
  if (st.at != phase::connected)
    return;
  auto route = st.ctx.route;
  auto& buf = self->wr_buf(st.hdl);
  if (st.tls) {
    // Every byte is sealed (copied) into CAF's buffer anyway.
    while (st.unsent <= defaults::max_unsent_bytes) {
      auto chunk = route->take_outbox();
      if (chunk.empty())
        break;
      put(self, chunk.data(), chunk.size());
      outbox::spares().give(std::move(chunk));
    }
    self->flush(st.hdl);
    return;
  }
  // Plain TCP: chunks go to CAF whole, swapped in, never copied. CAF writes
  // one buffer while the next waits in its second one (wr_buf); the chunk
  // after that waits here until data_transferred says the second one moved up.
  while (buf.empty()) {
    auto chunk = route->take_outbox();
    if (chunk.empty())
      break;
    st.unsent += chunk.size();
    st.alive.wrote(std::chrono::steady_clock::now());
    buf.swap(chunk); // chunk: CAF's spent buffer now
    outbox::spares().give(std::move(chunk));
    self->flush(st.hdl); // an idle stream starts writing and frees wr_buf again
  }
}

void close_stream(route_broker* self) {
  auto& st = self->state;
  st.ctx.route->stats().connected.store(false, std::memory_order_relaxed);
  if (st.fd < 0)
    return;
  end_stream_now(self, st.hdl, st.fd, SHUT_RDWR); // CAF reports it closed later
  st.hdl = caf::io::connection_handle{};
  st.fd = -1;
}

void put(route_broker* self, const char* p, std::size_t n) {
  auto& st = self->state;
  auto& buf = self->wr_buf(st.hdl);
  auto before = buf.size();
  if (!tls::seal(st.tls.get(), p, n, buf))
    log::warn(st.ctx.own_name, "TLS with " + st.ctx.route->addr() + ": " + st.tls->error());
  st.unsent += buf.size() - before;
  st.alive.wrote(std::chrono::steady_clock::now());
}

} // namespace route_steps

caf::actor spawn_route_actor(caf::actor_system& sys, route_context ctx) {
  return sys.middleman().spawn_broker(route_steps::route_actor, std::move(ctx));
}

} // namespace liner
