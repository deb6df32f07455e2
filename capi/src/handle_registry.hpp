// The registry of live clients behind lnr_hClient handles, and what the C API
// keeps per client besides the liner::Client: the last error set by argument
// validation, and the strings its getters return.
//
// A handle is a number never reused in the process, so a stale or deleted
// handle is always recognised. Calls look the handle up in a snapshot of the
// registry (no lock: every lnr_send_to does it) and then hold a shared_ptr
// while they call the client, so user callbacks never run under a library
// lock. Deletion waits for the calls in progress (an atomic count).
#pragma once

#include <liner/client.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "runtime/snapshot.hpp"

namespace liner::capi {

class client_entry {
public:
  explicit client_entry(std::unique_ptr<Client> client);
  client_entry(const client_entry&) = delete;
  client_entry& operator=(const client_entry&) = delete;

  Client& client() { return *client_; }

  /// Records a failure found by the C API before reaching the client (and
  /// logs it). It is the last error until a call reaches the client.
  void reject(error_code code, const std::string& message);
  /// Called before each call that reaches the client (which sets its own).
  void clear_rejection();
  error_code last_error() const;
  std::string last_error_message() const;

  /// The strings returned by const char* getters.
  enum slot { error_message_slot, advertise_slot, bound_slot, published_slot, stats_slot,
              slot_count };
  /// Stores `value` in `s` and returns it as a C string (NULL for nullopt).
  /// An unchanged value keeps its storage, so an earlier pointer stays valid.
  const char* keep(slot s, const std::optional<std::string>& value);

private:
  friend class registry;
  friend class call;

  std::unique_ptr<Client> client_;

  /// Counts a call in; false once the entry is being deleted.
  bool enter();
  /// Counts a call out, waking the deletion waiting for the last one.
  void exit();
  /// Refuses new calls, then waits for those in progress.
  void close_and_wait();

  mutable std::mutex mutex_;
  std::optional<std::pair<error_code, std::string>> rejection_;
  std::atomic<bool> rejected_{false}; // rejection_ is set: a clear must lock
  std::optional<std::string> kept_[slot_count];

  // Calls in progress, plus `closing` once the deletion started.
  static constexpr uint64_t closing = uint64_t{1} << 63;
  std::atomic<uint64_t> in_flight_{0};
  std::condition_variable idle_; // with mutex_
};

/// One API call on a handle: holds the entry alive and marks it as having a
/// call in progress on this thread (a callback the call runs, such as
/// lnr_list_addresses's, may delete the client: the deletion must not wait
/// for this very call). Empty (false) for a bad handle.
class call {
public:
  call() = default;
  explicit call(std::shared_ptr<client_entry> entry);
  ~call();
  call(const call&) = delete;
  call& operator=(const call&) = delete;

  explicit operator bool() const { return entry_ != nullptr; }
  client_entry* operator->() const { return entry_.get(); }
  client_entry& entry() const { return *entry_; }
  Client& client() const { return entry_->client(); }

private:
  std::shared_ptr<client_entry> entry_;
};

class registry {
public:
  static registry& instance();

  /// Registers a new client and returns its handle.
  void* add(std::unique_ptr<Client> client);

  /// Looks a handle up for a call. NULL logs "client was not created"; an
  /// unknown or deleted handle fails silently.
  call acquire(void* handle);

  /// lnr_delete_client: unregisters, waits for calls in progress on other
  /// threads, then destroys (stops) the client on this thread. From inside
  /// one of the client's own callbacks, or from a callback called by one of
  /// its calls on this thread (lnr_list_addresses), that waiting and the
  /// destruction happen on a helper thread once they have returned.
  bool remove(void* handle);

private:
  using entry_map = std::unordered_map<std::uintptr_t, std::shared_ptr<client_entry>>;

  registry() = default;

  std::mutex mutex_; // writers of entries_
  std::uintptr_t next_ = 0; // ids are never reused
  snapshot<entry_map> entries_;
};

} // namespace liner::capi
