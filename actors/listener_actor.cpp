#include "actors/listener_actor.hpp"

#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_map>
#include <vector>

#include "actors/broker_exit.hpp"
#include "actors/inbound_budget.hpp"
#include "actors/messages.hpp"
#include "actors/route.hpp"
#include "runtime/auth.hpp"
#include "runtime/defaults.hpp"
#include "runtime/knobs.hpp"
#include "runtime/liveness.hpp"
#include "runtime/log.hpp"
#include "runtime/net_address.hpp"
#include "runtime/tls.hpp"

namespace liner {

bool listener_credit::give_back(std::size_t bytes) {
  auto left = in_flight.fetch_sub(bytes) - bytes;
  return left <= defaults::listener_max_in_flight / 2 && paused.exchange(false);
}

namespace {

using caf::io::connection_handle;

struct inbound {
  uint64_t stream = 0; // serial: connection handles (file descriptors) are reused
  int fd = -1;         // its socket, to end it at once when the listener stops
  frame_decoder decoder;
  inbound_budget::ticket ticket = 0;
  bool hello = false;
  bool valid = false;  // a complete valid frame came (after the handshake, if any)
  bool halted = false; // not read until delivery caught up
  std::optional<auth::responder> handshake; // from the peer's hello on
  bool authenticated = false;
  std::unique_ptr<tls::session> tls; // with TLS: every byte goes through it
  std::string refusal; // why the stream must close, once this read is through
  std::size_t frames_per_read = 0; // in its last batch: room reserved for the next
  std::size_t unsent = 0; // bytes CAF still has to write on it
  liveness alive; // heartbeats, once the sender's hello negotiated them
};

struct listener_state {
  caf::actor delivery;
  std::shared_ptr<buffer_pool> batches;
  std::shared_ptr<listener_credit> credit;
  std::shared_ptr<std::atomic<std::size_t>> open;
  std::shared_ptr<const auth::secret> secret; // null: no authentication
  std::shared_ptr<const tls::context> tls;    // null: plain TCP
  std::string own_name;
  // A hostile peer can make thousands of bad connections: one line per
  // reason, then a summary.
  std::unique_ptr<log::failure_log> drops = std::make_unique<log::failure_log>();
  std::unordered_map<connection_handle, inbound> streams;
  uint64_t next_stream = 1;
  byte_buffer scratch; // an ack frame on its way to a socket
  bool stopping = false; // quits once CAF reported every stream closed
  static inline const char* name = "liner.listener";
};

using listener_broker = caf::io::stateful_broker<listener_state>;

// Forgets a stream (closing it unless the peer did), frees what it held and
// tells delivery, which releases the connection keys the stream used.
void forget(listener_broker* self, connection_handle hdl, bool close) {
  auto& st = self->state;
  auto it = st.streams.find(hdl);
  if (it == st.streams.end())
    return;
  if (close) {
    // Reading ends now: the descriptor goes once what we still had to write
    // is out, even if the peer never closes (CAF's own close would keep it
    // until the peer does; see also end_stream_now).
    end_stream_now(self, hdl, it->second.fd, SHUT_RD, it->second.halted);
  }
  log::debug(st.own_name, "inbound connection #" + std::to_string(it->second.stream) + " closed");
  inbound_budget::instance().leave(it->second.ticket);
  st.open->fetch_sub(1);
  self->send(st.delivery, msg::closed_atom::value, it->second.stream);
  st.streams.erase(it);
}

void drop(listener_broker* self, connection_handle hdl, const std::string& why) {
  auto& st = self->state;
  st.drops->failed(st.own_name, why, "closed an inbound connection: " + why);
  forget(self, hdl, true);
}

void on_accepted(listener_broker* self, msg::accepted_socket& m) {
  auto& st = self->state;
  if (st.stopping)
    return; // (the handoff closes the socket)
  int fd = m.socket->release();
  auto hdl = self->add_scribe(fd);
  auto& in = st.streams[hdl];
  in.stream = st.next_stream++;
  in.fd = fd;
  in.ticket = inbound_budget::instance().enroll({self->address(), hdl, in.stream});
  in.alive.start(std::chrono::steady_clock::now(), std::nullopt);
  if (st.tls)
    in.tls = std::make_unique<tls::session>(st.tls, true);
  if (log::enabled(log::level::debug))
    log::debug(st.own_name, "inbound connection #" + std::to_string(in.stream) + " from "
                              + self->remote_addr(hdl) + ":" + std::to_string(self->remote_port(hdl)));
  self->ack_writes(hdl, true); // `unsent` tells when CAF has nothing pending
  self->configure_read(hdl, caf::io::receive_policy::at_most(defaults::listener_read_size));
  // Anonymous: a timer sent by the broker itself would keep a stopped broker alive.
  auto left = std::max(m.deadline - std::chrono::steady_clock::now(),
                       std::chrono::steady_clock::duration::zero());
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), left, msg::deadline_atom::value, hdl,
                         in.stream);
}

// Delivery caught up: every paused stream reads again.
void resume(listener_broker* self) {
  auto now = std::chrono::steady_clock::now();
  for (auto& [hdl, in] : self->state.streams)
    if (in.halted) {
      in.halted = false;
      in.alive.heard(now); // its sender's silence counts from here, not from the halt
      self->trigger(hdl);
    }
}

// Pauses reading `in` while delivery is behind; the last one to see the
// count fall wakes every paused stream (here or in resume()).
void pace(listener_broker* self, connection_handle hdl, inbound& in) {
  auto& credit = *self->state.credit;
  if (credit.in_flight.load() <= defaults::listener_max_in_flight)
    return;
  self->halt(hdl);
  in.halted = true;
  credit.paused.store(true);
  // Delivery may have caught up between the check and the flag.
  if (credit.in_flight.load() <= defaults::listener_max_in_flight / 2
      && credit.paused.exchange(false))
    resume(self);
}

// Charges the partial frame `in` holds to the process's budget and closes
// what the budget says must go (the largest partial frames, anywhere).
void charge(listener_broker* self, inbound& in) {
  auto evicted = inbound_budget::instance().hold(in.ticket, in.decoder.held());
  // Each one's listener closes it (this one too, after this read: `in` may be among them).
  for (auto& h : evicted)
    if (auto owner = caf::actor_cast<caf::actor>(h.listener))
      self->send(owner, msg::drop_atom::value, h.connection, h.stream,
                 std::string("the inbound memory budget is spent and it held the largest partial frame"));
}

// Writes one frame to the stream (through TLS when it has it). On plain TCP
// with nothing pending in CAF, the frame goes to the socket at once (an ack
// then costs one send, not a write event registered and removed), else
// after what CAF holds; no allocation either way.
void write_frame(listener_broker* self, connection_handle hdl, inbound& in,
                 const frame_header& h, const std::string& payload) {
  auto& buf = self->wr_buf(hdl);
  auto before = buf.size();
  if (!in.tls) {
    auto& frame = self->state.scratch;
    frame.clear();
    encode_frame(frame, h, payload.data(), payload.size());
    long sent = 0;
    if (in.unsent == 0 && buf.empty())
      sent = std::max(0L, net::send_now(in.fd, frame.data(), frame.size()));
    buf.insert(buf.end(), frame.begin() + sent, frame.end());
  } else {
    byte_buffer frame;
    encode_frame(frame, h, payload.data(), payload.size());
    if (!tls::seal(in.tls.get(), frame.data(), frame.size(), buf) && in.refusal.empty())
      in.refusal = in.tls->error();
  }
  in.unsent += buf.size() - before;
  in.alive.wrote(std::chrono::steady_clock::now());
  if (buf.size() > before)
    self->flush(hdl);
}

// A sender's hello that announces heartbeats (runtime/liveness.hpp): with
// ours on, the answer says how often we write, and from now on each side
// writes on an idle stream and watches the other. Without an answer (ours
// off) the sender sends none either.
void on_hello(listener_broker* self, connection_handle hdl, inbound& in, const frame_view& f) {
  in.hello = true; // and delivery reads its epoch
  auto own = knobs::heartbeat_interval();
  auto theirs = announced_heartbeat(f.data, f.size);
  if (!theirs || own.count() == 0 || in.alive.negotiated())
    return;
  in.alive.peer_speaks(*theirs);
  write_frame(self, hdl, in, {0, f.header.connection_key, heartbeat_topic_key, 0},
              heartbeat_answer(own));
}

void check_liveness(listener_broker* self);

void schedule_liveness(listener_broker* self) {
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self),
                         liveness::tick(knobs::heartbeat_interval(), knobs::peer_timeout()),
                         msg::heartbeat_atom::value);
}

// A handshake frame (runtime/auth.hpp): answered here, never delivered.
void on_handshake(listener_broker* self, connection_handle hdl, inbound& in, const frame_view& f) {
  auto& st = self->state;
  auto reply = [&](const std::string& payload) {
    write_frame(self, hdl, in, {0, f.header.connection_key, auth::topic_key, 0}, payload);
  };
  if (in.authenticated) {
    in.refusal = "a second authentication on an authenticated stream";
  } else if (!in.handshake) {
    in.handshake.emplace(st.secret, st.own_name);
    auto answer = in.handshake->on_hello(f.data, f.size);
    reply(answer.reply);
    if (!answer.accepted)
      in.refusal = answer.why;
  } else {
    auto peer = in.handshake->on_response(f.data, f.size);
    if (!peer) {
      in.refusal = peer.error().message;
      return;
    }
    in.authenticated = true;
    in.valid = true;
    in.handshake.reset();
    // Before any batch of this stream: delivery admits keys of this peer only.
    self->send(st.delivery, msg::authenticated_atom::value, in.stream, *peer);
  }
}

void on_data(listener_broker* self, caf::io::new_data_msg& m) {
  auto& st = self->state;
  auto it = st.streams.find(m.handle);
  if (it == st.streams.end())
    return;
  auto& in = it->second;
  in.alive.heard(std::chrono::steady_clock::now());
  byte_buffer plain;
  auto bytes = tls::open_received(in.tls.get(), m.buf, plain, self->wr_buf(m.handle));
  if (in.tls)
    self->flush(m.handle); // its handshake answers
  if (!bytes) {
    drop(self, m.handle, in.tls->error());
    return;
  }
  msg::frame_batch batch;
  batch.connection = m.handle;
  batch.stream = in.stream;
  batch.frames.reserve(in.frames_per_read); // one allocation per read, not per frame
  // The batch takes the bytes as read (plain TCP: CAF's read buffer, swapped
  // for a pooled one of the same size, which CAF then reads into without
  // regrowing and zero-filling it; TLS: the decrypted bytes).
  if (in.tls) {
    batch.data = std::move(plain);
  } else {
    batch.data = st.batches->take_sized(defaults::listener_read_size);
    batch.data.swap(m.buf);
    batch.read_buffer = true;
  }
  const char* first = batch.data.data();
  const char* end = first + batch.data.size();
  bool ok = in.decoder.feed(bytes->data, bytes->size, [&](const frame_view& f) {
    if (!in.refusal.empty())
      return; // the stream closes after this read: nothing more from it
    if (f.header.number == 0 && f.header.topic_key == auth::topic_key) {
      on_handshake(self, m.handle, in, f);
      return;
    }
    if (st.secret && !in.authenticated) {
      in.refusal = "a frame before authenticating (a peer without the shared secret, or Rust liner)";
      return;
    }
    if (f.header.number == 0 && f.header.topic_key == heartbeat_topic_key)
      return; // counted as heard: nothing to deliver
    if (f.header.number == 0 && f.header.topic_key == hello_topic_key)
      on_hello(self, m.handle, in, f);
    in.valid = true;
    if (f.data >= first && f.data + f.size <= end) {
      batch.frames.push_back({f.header, static_cast<std::size_t>(f.data - first), f.size, false});
    } else { // completed from the decoder's partial frame
      if (batch.extra.capacity() == 0)
        batch.extra = st.batches->take(f.size);
      batch.frames.push_back({f.header, batch.extra.size(), f.size, true});
      batch.extra.insert(batch.extra.end(), f.data, f.data + f.size);
    }
  });
  batch.acks_wanted = in.hello;
  in.frames_per_read = batch.frames.size();
  if (!batch.frames.empty()) {
    // What the batch holds is its buffers, however few bytes they carry.
    batch.charged = batch.data.capacity() + batch.extra.capacity();
    st.credit->in_flight.fetch_add(batch.charged);
    self->send(st.delivery, std::move(batch));
  } else {
    recycle(*st.batches, batch);
  }
  if (!ok) {
    drop(self, m.handle, in.decoder.error());
    return;
  }
  if (!in.refusal.empty()) {
    drop(self, m.handle, in.refusal);
    return;
  }
  charge(self, in);
  pace(self, m.handle, in);
}

// Every tick: closes the streams whose sender went silent past the limit
// (not those we stopped reading: their silence is ours), and writes a
// heartbeat on the idle ones that negotiated them. A stream that delivery
// resumed in the round we paused it is read again (rearm_reads).
void check_liveness(listener_broker* self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  auto timeout = knobs::peer_timeout();
  auto beat = knobs::heartbeat_interval();
  std::vector<std::pair<connection_handle, std::string>> silent;
  for (auto& [hdl, in] : st.streams) {
    if (in.halted)
      continue;
    rearm_reads(self, hdl);
    if (in.alive.silent(now, timeout)) // (a stable text: drops are logged once per cause)
      silent.emplace_back(hdl, "no word from the sender within the peer timeout ("
                                 + std::to_string(in.alive.limit(timeout).count()) + " ms)");
    else if (in.unsent == 0 && in.alive.heartbeat_due(now, beat))
      write_frame(self, hdl, in, {0, 0, heartbeat_topic_key, 0}, std::string{});
  }
  for (auto& [hdl, why] : silent)
    drop(self, hdl, why);
  schedule_liveness(self);
}

caf::behavior listener_actor(listener_broker* self, listener_context ctx) {
  close_mailbox_on_exit(self);
  auto& st = self->state;
  st.secret = std::move(ctx.secret);
  st.own_name = std::move(ctx.own_name);
  st.tls = std::move(ctx.tls);
  auto delivery = std::move(ctx.delivery);
  auto batches = std::move(ctx.batches);
  auto credit = std::move(ctx.credit);
  auto open = std::move(ctx.open);
  st.delivery = std::move(delivery);
  st.batches = std::move(batches);
  st.credit = std::move(credit);
  st.open = std::move(open);
  schedule_liveness(self);
  return {
    [=](msg::heartbeat_atom) { check_liveness(self); },
    [=](msg::accepted_socket& m) { on_accepted(self, m); },
    [=](caf::io::new_data_msg& m) { on_data(self, m); },
    [=](const caf::io::data_transferred_msg& m) {
      auto it = self->state.streams.find(m.handle);
      if (it != self->state.streams.end())
        it->second.unsent = m.remaining;
    },
    [=](msg::resume_atom) { resume(self); },
    [=](msg::ack_atom, connection_handle hdl, uint64_t stream, int32_t ck, uint64_t number) {
      auto it = self->state.streams.find(hdl);
      if (it == self->state.streams.end() || it->second.stream != stream || !it->second.hello)
        return; // Rust liner senders read acks from the store only
      write_frame(self, hdl, it->second, {number, ck, ack_topic_key, 0}, std::string{});
    },
    [=](msg::drop_atom, connection_handle hdl, uint64_t stream, const std::string& why) {
      auto it = self->state.streams.find(hdl);
      if (it != self->state.streams.end() && it->second.stream == stream)
        drop(self, hdl, why);
    },
    [=](msg::deadline_atom, connection_handle hdl, uint64_t stream) {
      auto it = self->state.streams.find(hdl);
      if (it != self->state.streams.end() && it->second.stream == stream && !it->second.valid)
        drop(self, hdl,
             "no complete frame within " + std::to_string(knobs::first_frame_timeout().count())
               + " ms");
    },
    [=](const caf::io::connection_closed_msg& m) {
      forget(self, m.handle, false);
      if (self->state.stopping && self->num_connections() == 0)
        self->quit();
    },
    [=](msg::stop_atom) -> bool {
      auto& st = self->state;
      std::vector<connection_handle> all;
      for (auto& [hdl, in] : st.streams) {
        // Ended now, not after the peer read what is pending (a peer that
        // never reads would keep the stream, and the broker, alive).
        end_stream_now(self, hdl, in.fd, SHUT_RDWR, in.halted);
        all.push_back(hdl);
      }
      for (auto hdl : all)
        forget(self, hdl, false);
      // Quitting closes what CAF still holds, which could leak a stream
      // accepted in this very round (end_stream_now): wait for CAF's reports,
      // a moment at most.
      st.stopping = true;
      if (self->num_connections() == 0)
        self->quit();
      else
        caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), defaults::stop_grace,
                               msg::grace_atom::value);
      return true;
    },
    [=](msg::grace_atom) { self->quit(); },
  };
}

} // namespace

caf::actor spawn_listener_actor(caf::actor_system& sys, listener_context ctx) {
  return sys.middleman().spawn_broker(listener_actor, std::move(ctx));
}

} // namespace liner
