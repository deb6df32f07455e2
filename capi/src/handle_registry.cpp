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
    rejected_.store(true);
  }
  log::error(client_->unique_name(), message);
}

void client_entry::clear_rejection() {
  if (!rejected_.load())
    return; // the common case: nothing to clear, no lock
  std::lock_guard<std::mutex> guard{mutex_};
  rejection_.reset();
  rejected_.store(false);
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

bool client_entry::enter() {
  if (in_flight_.fetch_add(1) & closing) {
    exit();
    return false;
  }
  return true;
}

void client_entry::exit() {
  if (in_flight_.fetch_sub(1) == (closing | 1)) {
    std::lock_guard<std::mutex> guard{mutex_}; // the waiter checks under it
    idle_.notify_all();
  }
}

void client_entry::close_and_wait() {
  in_flight_.fetch_or(closing);
  std::unique_lock<std::mutex> guard{mutex_};
  idle_.wait(guard, [&] { return (in_flight_.load() & ~closing) == 0; });
}

// -- call ------------------------------------------------------------

call::call(std::shared_ptr<client_entry> entry) : entry_(std::move(entry)) {
  active_on_thread.push_back(entry_.get());
}

call::~call() {
  if (!entry_)
    return;
  leave(entry_.get());
  entry_->exit();
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
  entries_.update([&](entry_map& m) { m.emplace(id, std::move(entry)); });
  return reinterpret_cast<void*>(id << 4);
}

namespace {
// The id behind a handle, 0 for a value that is none of ours.
std::uintptr_t id_of(void* handle) {
  auto value = reinterpret_cast<std::uintptr_t>(handle);
  return value & 0xf ? 0 : value >> 4;
}
} // namespace

call registry::acquire(void* handle) {
  if (!handle) {
    log::error(log::library, "client was not created");
    return call{};
  }
  // An entry being deleted refuses the call (remove() may already have
  // waited for the calls it counted).
  auto entry = entries_.read([&](const entry_map& entries) -> std::shared_ptr<client_entry> {
    auto it = entries.find(id_of(handle));
    if (it == entries.end() || !it->second->enter())
      return nullptr;
    return it->second;
  });
  if (!entry)
    return call{};
  return call{std::move(entry)};
}

bool registry::remove(void* handle) {
  if (!handle) {
    log::error(log::library, "client was not created");
    return false;
  }
  std::shared_ptr<client_entry> entry;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto entries = entries_.get();
    auto it = entries->find(id_of(handle));
    if (it == entries->end()) {
      log::error(log::library, "client already deleted or unknown");
      return false;
    }
    entry = it->second;
    auto id = it->first;
    entries_.update([&](entry_map& m) { m.erase(id); });
  }
  auto finish = [](std::shared_ptr<client_entry> e) {
    e->close_and_wait();
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
