#include "actors/listener_actor.hpp"

#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>

#include <unordered_map>

#include "actors/messages.hpp"
#include "actors/route.hpp"
#include "runtime/log.hpp"

namespace liner {

namespace {

struct inbound {
  frame_decoder decoder;
  bool hello = false;
};

struct listener_state {
  caf::actor delivery;
  std::shared_ptr<buffer_pool> batches;
  std::unordered_map<caf::io::connection_handle, inbound> streams;
  static inline const char* name = "liner.listener";
};

using listener_broker = caf::io::stateful_broker<listener_state>;

void on_data(listener_broker* self, caf::io::new_data_msg& m) {
  auto& st = self->state;
  auto it = st.streams.find(m.handle);
  if (it == st.streams.end())
    return;
  auto& in = it->second;
  msg::frame_batch batch;
  batch.connection = m.handle;
  batch.data = st.batches->take();
  batch.data.reserve(m.buf.size());
  bool ok = in.decoder.feed(m.buf.data(), m.buf.size(), [&](const frame_view& f) {
    if (f.header.number == 0 && f.header.topic_key == hello_topic_key)
      in.hello = true; // and delivery reads its epoch (below)
    batch.frames.push_back({f.header, batch.data.size(), f.size});
    batch.data.insert(batch.data.end(), f.data, f.data + f.size);
  });
  batch.acks_wanted = in.hello;
  if (!batch.frames.empty())
    self->send(st.delivery, std::move(batch));
  else
    st.batches->give(std::move(batch.data));
  if (!ok) {
    LINER_LOG_ERROR(in.decoder.error());
    self->close(m.handle);
    st.streams.erase(it);
  }
}

caf::behavior listener_actor(listener_broker* self, int listen_fd, caf::actor delivery,
                             std::shared_ptr<buffer_pool> batches) {
  self->state.delivery = std::move(delivery);
  self->state.batches = std::move(batches);
  self->add_doorman(listen_fd);
  return {
    [=](const caf::io::new_connection_msg& m) {
      self->state.streams.emplace(m.handle, inbound{});
      self->configure_read(m.handle, caf::io::receive_policy::at_most(256 * 1024));
    },
    [=](caf::io::new_data_msg& m) { on_data(self, m); },
    [=](msg::ack_atom, caf::io::connection_handle hdl, int32_t ck, uint64_t number) {
      auto it = self->state.streams.find(hdl);
      if (it == self->state.streams.end() || !it->second.hello)
        return; // Rust liner senders read acks from the store only
      encode_frame(self->wr_buf(hdl), {number, ck, ack_topic_key, 0}, nullptr, 0);
      self->flush(hdl);
    },
    [=](const caf::io::connection_closed_msg& m) { self->state.streams.erase(m.handle); },
    [=](const caf::io::acceptor_closed_msg&) {},
    [=](msg::stop_atom) -> bool {
      for (auto& s : self->state.streams)
        self->close(s.first);
      self->state.streams.clear();
      self->close_all();
      self->quit();
      return true;
    },
  };
}

} // namespace

caf::actor spawn_listener_actor(caf::actor_system& sys, int listen_fd, caf::actor delivery,
                                std::shared_ptr<buffer_pool> batches) {
  return sys.middleman().spawn_broker(listener_actor, listen_fd, std::move(delivery),
                                      std::move(batches));
}

} // namespace liner
