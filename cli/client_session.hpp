// A liner::Client for one command (send, listen) on the store the command
// was given, stopped (its unacked messages saved) when it goes away.
#pragma once

#include <memory>
#include <string>

#include <liner/client.hpp>

#include "cli/commands.hpp"

namespace liner::cli {

class client_session {
public:
  /// Creates and runs the client; throws failure with liner's reason.
  client_session(const context& cx, const std::string& name, const std::string& topic,
                 const std::string& bind, const std::string& advertise, receive_callback on_receive);
  ~client_session();
  client_session(const client_session&) = delete;
  client_session& operator=(const client_session&) = delete;

  Client& client() { return *client_; }
  /// Stops the client now (idempotent); false if stop failed.
  bool stop();
  /// Every message sent is acked: none queued or waiting for an ack in
  /// memory (the stats), none saved in the store (pending_count).
  bool all_acked() const;
  /// Best effort: whether what was sent to `topic` is written to a
  /// connection (its routes connected, none queued), or dropped (a route
  /// failed to connect).
  enum class written { yes, not_yet, dropped };
  written best_effort_state(const std::string& topic) const;

private:
  std::unique_ptr<Client> client_;
};

} // namespace liner::cli
