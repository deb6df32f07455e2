// The internal channel (`__#internal_channel`): how peers tell each other
// that they started, stopped, subscribed or unsubscribed. announce() sends an
// event to every peer registered on the channel; on_event() acts on one that
// arrived: refresh the directory, follow a listener to its new address, and
// report peer events for related topics to the status callback. On
// PostgreSQL the catalog's own change notifications are acted on here too.
#pragma once

#include <caf/actor_system.hpp>

#include <functional>
#include <optional>
#include <string>

#include "actors/router.hpp"
#include "actors/store_actor.hpp"
#include "actors/topic_table.hpp"
#include <liner/error_code.hpp>
#include "runtime/internal_event.hpp"
#include "stores/catalog_feed.hpp"

namespace liner {

class control_channel {
public:
  /// Where peer events go (the client's status sink).
  using status_fn = std::function<void(status_kind kind, const std::string& topic,
                                       const std::string& peer, const std::string& message)>;

  control_channel(caf::actor_system& sys, store_actor store, router& routes, topic_table& topics,
                  std::string unique_name, status_fn status);

  /// Sends `ev` to every other peer on the channel. `own_addr` is where we
  /// are published (our own rows are skipped).
  void announce(const internal_event& ev, bool alo, const std::optional<std::string>& own_addr);
  /// Acts on an event read on the channel (on the client actor's thread).
  void on_event(const internal_event& ev);
  /// Acts on catalog changes the database reported (catalog_watch.hpp), on
  /// the client actor's thread: refreshes the cached topics they touch
  /// (every cached topic if `everything`) and follows peers whose address
  /// changed. No status events: those come from the peers' own announcements.
  void on_catalog_changes(const std::vector<catalog_change>& changes, bool everything);

private:
  caf::actor_system& sys_;
  store_actor store_;
  router& routes_;
  topic_table& topics_;
  std::string unique_name_;
  status_fn status_;
  bool refresh_failing_ = false; // on_catalog_changes' last refresh failed (client actor's thread)
};

} // namespace liner
