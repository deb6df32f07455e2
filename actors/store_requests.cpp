// What each store request does, on the store actor's thread.
#include "actors/store_requests.hpp"

#include <algorithm>

#include <liner/error_code.hpp>
#include "runtime/frame_codec.hpp"

namespace liner::req {

// -- catalog ---------------------------------------------------------------------

join_catalog::keys join_catalog::run(Store& s) const {
  keys out;
  // Subscriptions made before run were registered at the bind string.
  for (auto& t : subscriptions)
    s.unregist_topic(t);
  s.set_source_localhost(published);
  s.regist_topic(s.source_topic());
  out.own = s.get_topic_key(s.source_topic());
  out.internal = s.get_topic_key(internal_channel_topic);
  for (auto& t : subscriptions) {
    s.regist_topic(t);
    out.subscriptions[t] = s.get_topic_key(t);
  }
  return out;
}

void register_topics::run(Store& s) const {
  for (auto& t : topics)
    s.regist_topic(t);
}

void leave_catalog::run(Store& s) const {
  for (auto& t : topics)
    s.unregist_topic(t);
  s.set_source_localhost(bind_address);
}

int32_t subscribe::run(Store& s) const {
  s.regist_topic(topic);
  return s.get_topic_key(topic);
}

void unregister_topic::run(Store& s) const {
  s.unregist_topic(topic);
}

std::vector<topic_row> topic_directory::run(Store& s) const {
  return s.get_topic_directory(topic);
}

resolve_topic::answer resolve_topic::run(Store& s) const {
  sender_scope scope{s, as_sender};
  answer out;
  out.addrs = s.get_addresses_of_topic(topic);
  if (out.addrs.empty() && remembered) {
    out.remembered = s.get_routes_for_topic(topic);
    // Rows written before liner_route_topic existed (or by liner) name the
    // topic in sender_listener itself.
    for (auto& row : s.get_listeners_of_sender())
      if (row.listener_topic == topic)
        out.remembered.push_back(row);
  }
  return out;
}

std::vector<std::string> listener_addresses::run(Store& s) const {
  return s.get_addresses_of_client(listener_name);
}

void mark_dead::run(Store& s) const {
  s.mark_address_dead(addr, listener_name);
}

void clear_topic_addresses::run(Store& s) const {
  s.clear_addresses_of_topic();
}

int32_t topic_key::run(Store& s) const {
  return s.get_topic_key(topic);
}

// -- routes ----------------------------------------------------------------------------

open_route::route_info open_route::run(Store& s) const {
  sender_scope scope{s, as_sender};
  route_info out;
  out.listener_name = listener_name;
  if (out.listener_name.empty()) {
    auto found = s.get_listener_unique_name(topic, addr);
    if (!found)
      throw store_error("no listener name known for " + addr);
    out.listener_name = *found;
  }
  out.connection_key = s.get_connection_key_for_sender(out.listener_name);
  s.set_sender_topic_by_connection_key_from_sender(out.connection_key);
  remember_route{addr, topic, out.listener_name, as_sender}.run(s);
  // Numbering continues after the ack and after anything still queued.
  out.counter = s.get_last_mess_number_for_sender(out.connection_key);
  if (auto last = s.load_last_message_for_sender(out.connection_key)) {
    out.queued = true;
    frame_view f;
    std::string decode_error;
    if (decode_frame(last->data(), last->size(), f, decode_error))
      out.counter = std::max(out.counter, f.header.number);
  }
  return out;
}

void remember_route::run(Store& s) const {
  sender_scope scope{s, as_sender};
  s.remember_listener_address(addr, topic, listener_name);
  if (topic != internal_channel_topic)
    s.remember_route_topic(listener_name, topic);
}

void forget_topic_routes::run(Store& s) const {
  sender_scope scope{s, as_sender};
  s.remove_sender_listeners_on_topic(topic);
}

std::vector<routes_to_restore::route> routes_to_restore::run(Store& s) const {
  sender_scope scope{s, as_sender};
  std::vector<route> out;
  for (auto& p : s.pending_by_peer()) {
    if (p.count == 0)
      continue;
    // The listener's current address, if it registered somewhere else.
    std::string addr = p.addr;
    auto current = s.get_addresses_of_client(p.listener_name);
    if (!current.empty() && std::find(current.begin(), current.end(), addr) == current.end())
      addr = current.front();
    out.push_back({addr, p.listener_topic, p.listener_name});
  }
  return out;
}

std::vector<int64_t> save_frames::run(Store& s) const {
  return s.append_to_queue(connection_key, frames, delete_up_to_id);
}

read_queue::queue read_queue::run(Store& s) const {
  queue out;
  out.ack = s.get_last_mess_number_for_sender(connection_key);
  out.frames = s.read_queue_page(connection_key, after_id, limit);
  return out;
}

void delete_frames::run(Store& s) const {
  s.delete_messages_for_sender(connection_key, up_to_id);
}

uint64_t read_ack::run(Store& s) const {
  return s.get_last_mess_number_for_listener(connection_key);
}

int64_t pending_count::run(Store& s) const {
  return s.pending_count();
}

std::vector<pending_row> pending_by_peer::run(Store& s) const {
  return s.pending_by_peer();
}

void clear_stored_messages::run(Store& s) const {
  s.clear_stored_messages();
}

// -- listener side ----------------------------------------------------------------------

connection_info::value connection_info::run(Store& s) const {
  return {s.get_connection_composite(connection_key).value_or(""),
          s.get_sender_topic_by_connection_key(connection_key)};
}

void write_acks::run(Store& s) const {
  s.set_last_mess_numbers_from_listener(acks);
}

} // namespace liner::req
