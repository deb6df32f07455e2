#include "handle_registry.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include "runtime/log.hpp"

namespace liner::capi {

namespace {

// Entries with a call in progress on this thread (innermost last).
thread_local std::vector<const client_entry*> active_on_thread;

bool active_here(const client_entry* entry) {
  return std::find(active_on_thread.begin(), active_on_thread.end(), entry)
         != active_on_thread.end();
}

void leave(const client_entry* entry) {
  auto it = std::find(active_on_thread.rbegin(), active_on_thread.rend(), entry);
  if (it != active_on_thread.rend())
    active_on_thread.erase(std::next(it).base());
}

} // namespace

// -- client_entry ------------------------------------------------------------------

client_entry::client_entry(std::unique_ptr<Client> client) : client_(std::move(client)) {
}

void client_entry::reject(error_code code, const std::string& message) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    rejection_.emplace(code, message);
  }
  LINER_LOG_ERROR(message);
}

void client_entry::clear_rejection() {
  std::lock_guard<std::mutex> guard{mutex_};
  rejection_.reset();
}

error_code client_entry::last_error() const {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (rejection_)
      return rejection_->first;
  }
  return client_->last_error();
}

std::string client_entry::last_error_message() const {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (rejection_)
      return rejection_->second;
  }
  return client_->last_error_message();
}

const char* client_entry::keep(slot s, const std::optional<std::string>& value) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& kept = kept_[s];
  if (!value) {
    kept.reset();
    return nullptr;
  }
  if (kept != value)
    kept = value;
  return kept->c_str();
}

// -- call ------------------------------------------------------------

call::call(std::shared_ptr<client_entry> entry) : entry_(std::move(entry)) {
  active_on_thread.push_back(entry_.get());
}

call::~call() {
  if (!entry_)
    return;
  leave(entry_.get());
  std::lock_guard<std::mutex> guard{entry_->mutex_};
  if (--entry_->in_flight_ == 0)
    entry_->idle_.notify_all();
}

// -- registry --------------------------------------------------------------------------

registry& registry::instance() {
  // Never destroyed: clients still alive at exit are abandoned (as liner
  // does) rather than stopped while the process tears its statics down.
  static registry* r = new registry;
  return *r;
}

// A handle is id << 4: it looks like an aligned pointer, and a value with
// low bits set is never one of ours.
void* registry::add(std::unique_ptr<Client> client) {
  auto entry = std::make_shared<client_entry>(std::move(client));
  std::lock_guard<std::mutex> guard{mutex_};
  auto id = ++next_;
  entries_.emplace(id, std::move(entry));
  return reinterpret_cast<void*>(id << 4);
}

registry::entry_map::iterator registry::find_locked(void* handle) {
  auto value = reinterpret_cast<std::uintptr_t>(handle);
  if (value & 0xf)
    return entries_.end();
  return entries_.find(value >> 4);
}

call registry::acquire(void* handle) {
  if (!handle) {
    LINER_LOG_ERROR("client was not created");
    return call{};
  }
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = find_locked(handle);
  if (it == entries_.end())
    return call{};
  {
    // Counted under the registry lock: once remove() has erased the entry,
    // no new call can start on it.
    std::lock_guard<std::mutex> entry_guard{it->second->mutex_};
    ++it->second->in_flight_;
  }
  return call{it->second};
}

bool registry::remove(void* handle) {
  if (!handle) {
    LINER_LOG_ERROR("client was not created");
    return false;
  }
  std::shared_ptr<client_entry> entry;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto it = find_locked(handle);
    if (it == entries_.end()) {
      LINER_LOG_ERROR("client already deleted or unknown");
      return false;
    }
    entry = std::move(it->second);
    entries_.erase(it); // no new call can start on it from now on
  }
  auto finish = [](std::shared_ptr<client_entry> e) {
    {
      std::unique_lock<std::mutex> guard{e->mutex_};
      e->idle_.wait(guard, [&] { return e->in_flight_ == 0; });
    }
    // Stops the client: joins its callbacks, stores unacked messages.
    e->client_.reset();
  };
  if (active_here(entry.get()) || entry->client_->in_own_callback()) {
    // Waiting here would wait for the call or callback we are inside of.
    std::thread(finish, std::move(entry)).detach();
    return true;
  }
  finish(std::move(entry));
  return true;
}

} // namespace liner::capi
