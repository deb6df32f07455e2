#include "actors/delivery_actor.hpp"

#include <caf/blocking_actor.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "actors/inbound_budget.hpp"
#include "actors/messages.hpp"
#include "actors/route.hpp"
#include "runtime/compression.hpp"
#include "runtime/defaults.hpp"
#include "runtime/knobs.hpp"
#include "runtime/log.hpp"

namespace liner {

namespace {

using clock_type = std::chrono::steady_clock;
using defaults::ack_every_frames;
using defaults::ack_flush_period;
using defaults::from_retry_period;
using acks_written = store_answer<req::write_acks>;

// What the listener knows about one sender (connection key). It lives as
// long as the delivery actor, so reconnects keep the dedup baseline.
struct sender_state {
  uint64_t last = 0;
  uint64_t epoch = 0;                // the sender's route incarnation (hello)
  std::optional<uint64_t> rebase_at; // its numbering restarted below `last`
  std::string from;
  bool from_known = false;
  clock_type::time_point from_tried{};
  // What the store says the key joins: "{sender}:{sender topic}:{listener}".
  std::string composite;
  bool checked = false; // composite read (it may be empty: no such key)
  uint64_t owner = 0;   // the open stream that uses the key, 0 if none
  bool admitted = false; // some stream used it (else a refused key is forgotten)
  bool baseline_loaded = false;
};

// One inbound stream, by the listener's serial number.
struct stream_state {
  bool refused = false;       // the listener was told to close it
  std::vector<int32_t> keys;  // connection keys it owns
  std::string peer;           // the sender it authenticated as (shared secret), else empty
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

class delivery {
public:
  delivery(caf::blocking_actor* self, delivery_context ctx) : self_(self), ctx_(std::move(ctx)) {}

  void run() {
    bool running = true;
    self_->receive_while([&] { return running; })(
      [&](msg::frame_batch& b) {
        listener_ = caf::actor_cast<caf::actor>(self_->current_sender());
        process(b);
        if (ctx_.credit->give_back(b.charged))
          self_->send(listener_, msg::resume_atom::value);
        recycle(*ctx_.batches, b);
        if (clock_type::now() - last_flush_ >= ack_flush_period)
          flush_acks(false);
      },
      [&](acks_written& r) { on_acks_written(r); },
      [&](msg::closed_atom, uint64_t stream) { on_stream_closed(stream); },
      [&](msg::authenticated_atom, uint64_t stream, std::string& peer) {
        streams_[stream].peer = std::move(peer);
      },
      [&](msg::stop_atom) -> bool {
        running = false;
        return flush_acks(true);
      },
      caf::after(ack_flush_period) >> [&] { flush_acks(false); });
  }

private:
  void status(std::string message) {
    self_->send(ctx_.client, msg::status_event{status_kind::listener_store_error, "", "",
                                               std::move(message), ""});
  }

  // The dedup baseline comes from the store the first time a key is
  // admitted (not before: reading it writes a row for the key).
  void load_baseline(int32_t ck, sender_state& s) {
    if (s.baseline_loaded)
      return;
    s.baseline_loaded = true;
    auto baseline = call_store(self_->system(), ctx_.store, req::read_ack{ck});
    if (!baseline)
      status("get_last_mess_number_for_listener: " + baseline.error().message);
    s.last = std::max(s.last, baseline ? *baseline : 0);
  }

  // Reads what the store knows about the key (at most once per
  // from_retry_period while something is missing).
  void learn(int32_t ck, sender_state& s) {
    if ((s.checked && s.from_known) || clock_type::now() - s.from_tried < from_retry_period)
      return;
    s.from_tried = clock_type::now();
    auto info = call_store(self_->system(), ctx_.store, req::connection_info{ck});
    if (!info) {
      status("get_sender_topic conn_key " + std::to_string(ck) + ": " + info.error().message);
      return;
    }
    s.composite = info->composite;
    s.checked = true;
    if (info->sender_topic) {
      s.from = *info->sender_topic;
      s.from_known = true;
    } else {
      status("get_sender_topic conn_key " + std::to_string(ck) + ": unknown connection key");
    }
  }

  const std::string& from_of(int32_t ck, sender_state& s) {
    if (!s.from_known)
      learn(ck, s);
    return s.from;
  }

  // Closes the batch's stream (the listener does) and delivers nothing more from it.
  void refuse(const msg::frame_batch& b, std::string why) {
    auto& st = streams_[b.stream];
    if (st.refused)
      return;
    st.refused = true;
    self_->send(listener_, msg::drop_atom::value, b.connection, b.stream, std::move(why));
  }

  // Whether the batch's stream may use connection key `ck`: the key must
  // lead to this client and no other open stream may be using it. The first
  // frame of a key on a stream decides. When the store cannot tell (an
  // outage), the key is admitted unchecked: delivery goes on between peers
  // that already know each other (docs/security.md).
  bool admit(const msg::frame_batch& b, int32_t ck, sender_state& s) {
    if (s.owner == b.stream)
      return true;
    learn(ck, s);
    if (s.checked && !ends_with(s.composite, ":" + ctx_.unique_name)) {
      refuse(b, "connection key " + std::to_string(ck) + " does not lead to "
                  + ctx_.unique_name + (s.composite.empty() ? " (no such key)" : ""));
      if (!s.admitted)
        senders_.erase(ck); // keys an attacker makes up must not pile up here
      return false;
    }
    const auto& peer = streams_[b.stream].peer;
    if (!peer.empty() && s.checked && s.composite.rfind(peer + ":", 0) != 0) {
      refuse(b, "'" + peer + "' used connection key " + std::to_string(ck)
                  + ", which belongs to another sender");
      return false;
    }
    if (s.owner != 0) {
      refuse(b, "connection key " + std::to_string(ck)
                  + " is in use by another open connection");
      return false;
    }
    s.owner = b.stream;
    s.admitted = true;
    streams_[b.stream].keys.push_back(ck);
    return true;
  }

  // An internal-channel event speaks for its `client`: only that client's
  // own connection key may carry it.
  bool event_from_sender(const internal_event& ev, const sender_state& s, uint64_t stream) {
    const auto& peer = streams_[stream].peer;
    if (!peer.empty())
      return ev.client == peer;
    return !s.checked || s.composite.rfind(ev.client + ":", 0) == 0;
  }

  void on_stream_closed(uint64_t stream) {
    auto it = streams_.find(stream);
    if (it == streams_.end())
      return;
    for (auto ck : it->second.keys) {
      auto s = senders_.find(ck);
      if (s != senders_.end() && s->second.owner == stream)
        s->second.owner = 0;
    }
    streams_.erase(it);
  }

  // A sender of this project opens each stream with a hello naming its route
  // incarnation and the first number that incarnation assigned. A new
  // incarnation starting at or below what we delivered restarted its
  // numbering (it stopped before our ack reached the store): frames below
  // `first` are replays, deduplicated as usual; from `first` on they are new.
  void on_hello(sender_state& s, const char* data, std::size_t size) {
    auto j = nlohmann::json::parse(data, data + size, nullptr, false);
    if (!j.is_object() || !j.contains("epoch") || !j.contains("first")
        || !j["epoch"].is_number_unsigned() || !j["first"].is_number_unsigned())
      return;
    auto epoch = j["epoch"].get<uint64_t>();
    auto first = j["first"].get<uint64_t>();
    if (epoch == s.epoch)
      return; // a reconnect of the same incarnation
    s.epoch = epoch;
    if (first >= 1 && first <= s.last)
      s.rebase_at = first;
  }

  void process(msg::frame_batch& b) {
    auto& touched = touched_;
    touched.clear();
    std::size_t delivered_in_batch = 0;
    auto listening = ctx_.topics->listening(); // one snapshot per batch
    byte_buffer payload;
    for (auto& f : b.frames) {
      if (ctx_.stopping->load())
        break; // stop() was called (maybe from the callback): deliver no more
      if (streams_[b.stream].refused)
        break;
      // One read can hold thousands of frames: ack within the batch too (the
      // frames before this one are through the callback), so a crash in the
      // middle of a batch redelivers a few messages, not the whole batch.
      if (delivered_in_batch >= ack_every_frames) {
        delivered_in_batch = 0;
        acknowledge(b, touched);
        if (clock_type::now() - last_flush_ >= ack_flush_period)
          flush_acks(false);
      }
      auto ck = f.header.connection_key;
      auto& s = senders_[ck];
      if (!admit(b, ck, s))
        break;
      load_baseline(ck, s);
      if (f.header.topic_key == hello_topic_key) {
        on_hello(s, b.bytes_of(f), f.size);
        continue;
      }
      if (s.rebase_at && f.header.number >= *s.rebase_at) {
        s.last = *s.rebase_at - 1; // the first new number of a restarted sender
        s.rebase_at.reset();
      }
      if (f.header.number <= s.last)
        continue; // already delivered
      frame_view view{f.header, b.bytes_of(f), f.size};
      const char* data = view.data;
      std::size_t size = view.size;
      std::optional<budget_reservation> reserved;
      if (view.compressed()) {
        // Not marked delivered before it opens: a message refused for lack
        // of budget comes again after the sender reconnects.
        std::string err;
        if (!open_compressed(view, payload, reserved, err)) {
          refuse(b, "message " + std::to_string(f.header.number) + " on connection_key "
                      + std::to_string(ck) + ": " + err);
          break;
        }
        data = payload.data();
        size = payload.size();
      }
      s.last = f.header.number;
      note_delivered(touched, ck, s.last);
      ++delivered_in_batch;
      if (f.header.topic_key == ctx_.internal_topic_key) {
        auto ev = internal_event::parse(data, size);
        if (ev && event_from_sender(*ev, s, b.stream))
          self_->send(ctx_.client, msg::peer_event{std::move(*ev)});
        else if (ev)
          log::warn(ctx_.unique_name, "ignored an internal-channel event of client '" + ev->client
                          + "' sent with connection key " + std::to_string(ck)
                          + ", which belongs to another sender");
        continue;
      }
      auto to = listening->find(f.header.topic_key);
      if (to == listening->end())
        continue; // not ours (any more): dropped, counted as processed
      const auto& from = from_of(ck, s);
      ctx_.stats->count(size);
      callback_scope scope{ctx_.owner};
      try {
        ctx_.on_receive(to->second, from, data, size);
      } catch (const std::exception& e) {
        log::error(ctx_.unique_name, std::string("receive callback threw: ") + e.what());
      } catch (...) {
        log::error(ctx_.unique_name, "receive callback threw");
      }
    }
    acknowledge(b, touched);
  }

  // Decompresses a payload into `out` once the process's inbound budget has
  // room for it (kept in `reserved` while it is delivered). Never more than
  // max_message_size; a bomb is refused before anything is allocated.
  bool open_compressed(const frame_view& view, byte_buffer& out,
                       std::optional<budget_reservation>& reserved, std::string& err) {
    auto n = zstd_decompressed_size(view.data, view.size, knobs::max_message_size(), err);
    if (!n)
      return false;
    reserved.emplace(*n);
    if (!reserved->ok()) {
      err = "its " + std::to_string(*n) + " decompressed bytes do not fit the inbound memory budget ("
            + std::to_string(knobs::inbound_budget()) + " bytes, LINER_INBOUND_BUDGET)";
      return false;
    }
    out.clear();
    return zstd_decompress_exact(view.data, view.size, *n, out, err);
  }

  // Acks what was delivered so far: over TCP at once (senders of this
  // project), to the store with the next flush.
  // The highest number delivered per connection key of a batch: few keys,
  // kept in a vector the actor reuses (no allocation per batch).
  using delivered = std::vector<std::pair<int32_t, uint64_t>>;

  static void note_delivered(delivered& touched, int32_t ck, uint64_t number) {
    for (auto& [key, n] : touched)
      if (key == ck) {
        n = number;
        return;
      }
    touched.emplace_back(ck, number);
  }

  void acknowledge(const msg::frame_batch& b, delivered& touched) {
    for (auto& [ck, n] : touched) {
      pending_acks_[ck] = n;
      if (b.acks_wanted)
        self_->send(listener_, msg::ack_atom::value, b.connection, b.stream, ck, n);
    }
    touched.clear();
  }

  // Writes the acks gathered since the last flush, in one transaction. An
  // ack leaves pending_acks_ only once the store has it: a failed write is
  // tried again at the next flush, never skipped. One write is in flight at
  // a time; its answer arrives as a message (on_acks_written).
  bool flush_acks(bool wait) {
    last_flush_ = clock_type::now();
    if (pending_acks_.empty())
      return true;
    std::vector<std::pair<int32_t, uint64_t>> acks(pending_acks_.begin(), pending_acks_.end());
    if (!wait) {
      if (writing_)
        return true;
      writing_ = std::move(acks);
      self_->send(ctx_.store, with_deadline(req::write_acks{*writing_}));
      return true;
    }
    auto written = call_store(self_->system(), ctx_.store, req::write_acks{acks});
    acks_stored(acks, written);
    return written.ok();
  }

  void on_acks_written(acks_written& r) {
    if (!writing_)
      return;
    auto acks = std::move(*writing_);
    writing_.reset();
    acks_stored(acks, r);
  }

  // Forgets the acks the store now has (unless a newer one came meanwhile);
  // reports a failure once per outage.
  void acks_stored(const std::vector<std::pair<int32_t, uint64_t>>& acks, const acks_written& r) {
    if (!r) {
      if (!ack_outage_)
        status("set_last_mess_number_from_listener: " + r.error().message);
      ack_outage_ = true;
      return;
    }
    ack_outage_ = false;
    for (auto& [ck, n] : acks) {
      auto it = pending_acks_.find(ck);
      if (it != pending_acks_.end() && it->second == n)
        pending_acks_.erase(it);
    }
  }

  caf::blocking_actor* self_;
  delivery_context ctx_;
  std::unordered_map<int32_t, sender_state> senders_;
  std::unordered_map<uint64_t, stream_state> streams_;
  caf::actor listener_; // the sender of the batches
  std::map<int32_t, uint64_t> pending_acks_; // delivered, not yet in the store
  delivered touched_; // this batch's, not yet acked
  std::optional<std::vector<std::pair<int32_t, uint64_t>>> writing_; // the write in flight
  bool ack_outage_ = false;
  clock_type::time_point last_flush_ = clock_type::now();
};

} // namespace

caf::actor spawn_delivery_actor(caf::actor_system& sys, delivery_context ctx) {
  return sys.spawn([ctx](caf::blocking_actor* self) mutable {
    delivery d{self, std::move(ctx)};
    d.run();
  });
}

} // namespace liner
