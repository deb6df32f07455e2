// liner's error codes (lnr_last_error_code) and status kinds (lnr_set_status_cb),
// with the same numeric values as liner 1.4.1.
#pragma once

namespace liner {

enum class error_code : int {
  ok = 0,
  not_running = 1,
  already_running = 2,
  self_topic = 3,
  internal_topic = 4,
  no_addr = 5,
  bind = 6,
  store = 7,
  invalid_arg = 8,
  clear_while_running = 9,
  startup = 10,
  busy = 11,
};

enum class status_kind : int {
  peer_connected = 1,
  peer_disconnected = 2,
  peer_subscribed = 3,
  peer_unsubscribed = 4,
  sender_route_lost = 5,
  sender_store_error = 6,
  sender_send_error = 7,
  listener_store_error = 8,
  sender_busy = 9,
};

/// The reserved topic peers use to tell each other about starts, stops and
/// subscriptions.
inline constexpr const char* internal_channel_topic = "__#internal_channel";

} // namespace liner
