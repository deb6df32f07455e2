// The requests a client's store actor serves. Each is a plain value that owns
// its data (no closures, no references to a caller's stack), names its
// answer type (`value_type`) and runs on the store actor's thread against
// the client's Store. A request that needs several statements is one request,
// so that it runs as one step.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stores/store.hpp"

namespace liner::req {

/// The requests that name this sender's routes carry `as_sender`: empty for
/// the client's own routes, else the sender topic they run as (the routes
/// of messages published from SQL run as "liner.publish", so a listener
/// reports that as `from`). Swaps the Store's source topic for one run.
class sender_scope {
public:
  sender_scope(Store& s, const std::string& as_sender) : s_(s), own_(s.source_topic()) {
    if (!as_sender.empty())
      s_.set_source_topic(as_sender);
  }
  ~sender_scope() { s_.set_source_topic(own_); }
  sender_scope(const sender_scope&) = delete;
  sender_scope& operator=(const sender_scope&) = delete;

private:
  Store& s_;
  std::string own_;
};

// -- catalog ---------------------------------------------------------------------

/// run(): publish our address, register our topic and subscriptions (moving
/// those made before run away from the bind string), and read their keys.
struct join_catalog {
  struct keys {
    int32_t own = 0;
    int32_t internal = 0;
    std::map<std::string, int32_t> subscriptions;
  };
  using value_type = keys;
  std::string published;
  std::vector<std::string> subscriptions;
  value_type run(Store& s) const;
};

/// Registers topics at our published address (the internal channel at run).
struct register_topics {
  using value_type = void;
  std::vector<std::string> topics;
  void run(Store& s) const;
};

/// stop() and a failed run(): unregister `topics` and go back to the bind
/// string as our catalog address.
struct leave_catalog {
  using value_type = void;
  std::vector<std::string> topics;
  std::string bind_address;
  void run(Store& s) const;
};

/// subscribe(): register the topic and read its key.
struct subscribe {
  using value_type = int32_t;
  std::string topic;
  int32_t run(Store& s) const;
};

struct unregister_topic {
  using value_type = void;
  std::string topic;
  void run(Store& s) const;
};

/// The catalog rows of a topic, live addresses first (see mark_dead).
struct topic_directory {
  using value_type = std::vector<topic_row>;
  std::string topic;
  value_type run(Store& s) const;
};

/// Where to send for a topic: its catalog addresses, live ones first. When
/// there is none and `remembered` is set: the listeners this sender has sent
/// the topic to before (the at-least-once fallback).
struct resolve_topic {
  struct answer {
    std::vector<std::string> addrs;
    std::vector<listener_row> remembered; // only when addrs is empty
  };
  using value_type = answer;
  std::string topic;
  bool remembered = false;
  std::string as_sender; // see sender_scope
  value_type run(Store& s) const;
};

/// Every catalog address of one listener (any topic), live ones first.
struct listener_addresses {
  using value_type = std::vector<std::string>;
  std::string listener_name;
  value_type run(Store& s) const;
};

/// A connect to `addr` found nothing listening: the address goes last for
/// every sender until its owner registers there again.
struct mark_dead {
  using value_type = void;
  std::string addr;
  std::string listener_name;
  void run(Store& s) const;
};

struct clear_topic_addresses {
  using value_type = void;
  void run(Store& s) const;
};

struct topic_key {
  using value_type = int32_t;
  std::string topic;
  int32_t run(Store& s) const;
};

// -- routes (sender side) ------------------------------------------------------------

/// Everything a new route needs: the listener's name (looked up when not
/// given), the connection key, the number to continue from; and the route is
/// remembered for `topic`.
struct open_route {
  struct route_info {
    std::string listener_name;
    int32_t connection_key = 0;
    uint64_t counter = 0; // the highest number used so far
    bool queued = false;  // the offline queue holds frames
  };
  using value_type = route_info;
  std::string addr;
  std::string topic;
  std::string listener_name; // may be empty
  std::string as_sender;     // see sender_scope
  value_type run(Store& s) const;
};

/// Remembers that the route to `listener_name` (at `addr`) carries `topic`.
struct remember_route {
  using value_type = void;
  std::string addr;
  std::string topic;
  std::string listener_name;
  std::string as_sender; // see sender_scope
  void run(Store& s) const;
};

/// The peer unsubscribed: the fallback forgets the topic.
struct forget_topic_routes {
  using value_type = void;
  std::string topic;
  std::string as_sender; // see sender_scope
  void run(Store& s) const;
};

/// Routes of an earlier run that still hold stored frames, at their
/// listener's current address.
struct routes_to_restore {
  struct route {
    std::string addr, topic, listener_name;
  };
  using value_type = std::vector<route>;
  std::string as_sender; // see sender_scope
  value_type run(Store& s) const;
};

/// Appends at-least-once frames to a route's offline queue (one
/// transaction); their row ids, in order. Deletes the rows up to
/// `delete_up_to_id` (acked frames) in the same transaction.
struct save_frames {
  using value_type = std::vector<int64_t>;
  int32_t connection_key = 0;
  std::vector<std::vector<char>> frames;
  int64_t delete_up_to_id = 0;
  value_type run(Store& s) const;
};

/// A route's stored ack and a page of its offline queue: at most `limit`
/// frames with row ids above `after_id` (nothing deleted).
struct read_queue {
  struct queue {
    uint64_t ack = 0;
    std::vector<stored_frame> frames;
  };
  using value_type = queue;
  int32_t connection_key = 0;
  int64_t after_id = 0;
  std::size_t limit = 0;
  value_type run(Store& s) const;
};

/// Deletes queued frames up to a row id (they were acked).
struct delete_frames {
  using value_type = void;
  int32_t connection_key = 0;
  int64_t up_to_id = 0;
  void run(Store& s) const;
};

/// The stored ack of a connection key (0, and a row created, if none).
struct read_ack {
  using value_type = uint64_t;
  int32_t connection_key = 0;
  uint64_t run(Store& s) const;
};

struct pending_count {
  using value_type = int64_t;
  int64_t run(Store& s) const;
};

struct pending_by_peer {
  using value_type = std::vector<pending_row>;
  value_type run(Store& s) const;
};

struct clear_stored_messages {
  using value_type = void;
  void run(Store& s) const;
};

// -- listener side ---------------------------------------------------------------------

/// What the store says about a connection key an inbound stream uses: who
/// it joins (its composite, empty if the key does not exist) and the
/// sender's topic (`from`), if recorded.
struct connection_info {
  struct value {
    std::string composite;
    std::optional<std::string> sender_topic;
  };
  using value_type = value;
  int32_t connection_key = 0;
  value_type run(Store& s) const;
};

/// Writes the listener's acks in one transaction.
struct write_acks {
  using value_type = void;
  std::vector<std::pair<int32_t, uint64_t>> acks;
  void run(Store& s) const;
};

/// Every request type, in one list: the store actor's interface is built
/// from it.
template <class... Rs>
struct request_list {};

using all = request_list<join_catalog, register_topics, leave_catalog, subscribe,
                         unregister_topic, topic_directory, resolve_topic, listener_addresses,
                         mark_dead, clear_topic_addresses, topic_key, open_route, remember_route,
                         forget_topic_routes, routes_to_restore, save_frames, read_queue,
                         delete_frames, read_ack, pending_count, pending_by_peer,
                         clear_stored_messages, connection_info, write_acks>;

} // namespace liner::req
