// Keeps a client's address cache in step with the catalog on PostgreSQL: a
// thread of its own LISTENs for the changes the catalog's triggers NOTIFY
// (stores/catalog_feed.hpp) and hands them to the client actor, which
// refreshes the topics they touch and follows peers to new addresses.
//
// When the feed cannot be opened, or breaks, the thread falls back to
// polling: every catalog_poll_period it asks the client actor to refresh
// every cached topic, and it tries to listen again. After each (re)connect
// it asks for one such refresh too, for what changed while nobody listened.
//
// The same thread relays messages published from SQL (the mesh's outbox,
// stores/postgres_outbox.hpp) on the feed's connection: after each
// (re)connect and whenever a publish is notified. Rows it could not relay
// (no listener yet, a store failure) are tried again every
// catalog_poll_period and on every catalog change, until they go.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "actors/client_actor_impl.hpp"
#include "actors/wake_pipe.hpp"
#include "stores/catalog_feed.hpp"

namespace liner {

class catalog_watch {
public:
  /// Sends rows of the outbox into the mesh (on the watch's thread) and
  /// returns the ids of those now safely on their way.
  using relay_function = std::function<std::vector<int64_t>(const std::vector<outbox_row>&)>;
  /// Starts the thread; `client` receives msg::catalog_changes; `relay`
  /// (may be empty) relays published rows; `owner` names the client in log lines.
  catalog_watch(catalog_feed_opener open, internal_client_actor client, std::string owner,
                relay_function relay = {});
  /// Stops the thread (at most a store timeout if it is connecting) and waits for it.
  ~catalog_watch();
  catalog_watch(const catalog_watch&) = delete;
  catalog_watch& operator=(const catalog_watch&) = delete;

private:
  void run();
  /// Listens on `feed` until it breaks (false) or the watch stops (true).
  bool listen(catalog_feed& feed);
  /// Waits up to `d`; true if the watch was told to stop.
  bool stopped_within(std::chrono::milliseconds d);
  void post(std::vector<catalog_change> changes, bool everything);
  /// Posts what take() read; true if a publish was among it.
  bool handle(std::vector<catalog_change> changes);
  /// Relays the outbox until a pass finds nothing new; throws store_error.
  void relay(catalog_feed& feed);

  catalog_feed_opener open_;
  internal_client_actor client_;
  std::string owner_;
  relay_function relay_;
  bool backlog_ = false; // rows stayed in the outbox after the last relay
  bool incomplete_logged_ = false; // said once that the feed misses others' changes
  wake_pipe wake_{"catalog watch"}; // the destructor wakes the thread to end it
  // A full refresh asked for and not yet done: no second one is asked for
  // meanwhile (a store outage makes each take up to a timeout per topic).
  std::shared_ptr<std::atomic<bool>> refreshing_ = std::make_shared<std::atomic<bool>>(false);
  bool down_ = false;      // the feed is down (logged once per outage)
  std::thread thread_;
};

} // namespace liner
