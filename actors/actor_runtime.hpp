// The one CAF actor system of the process. Started when the first client is
// created and shut down when the last one is destroyed, so a process that
// creates and destroys clients in a loop returns to its starting threads.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/logger.hpp>
#include <caf/scoped_actor.hpp>

#include <memory>

namespace liner {

class actor_runtime {
public:
  /// The running system, started if no client holds it.
  static std::shared_ptr<actor_runtime> acquire();

  ~actor_runtime();
  caf::actor_system& system() { return *system_; }

private:
  actor_runtime();
  std::unique_ptr<caf::actor_system_config> config_;
  std::unique_ptr<caf::actor_system> system_;
};

/// CAF 0.17 pins the system's logger in a thread-local of every thread that
/// starts the system, spawns an actor or creates a scoped_actor, and
/// ~actor_system waits until the logger is gone: one user thread that called
/// a client and lives on would hang the shutdown run by another thread. Put
/// one of these around such calls on threads CAF does not own; it puts the
/// thread-local back as it was.
class thread_logger_scope {
public:
  thread_logger_scope() : had_(caf::logger::current_logger() != nullptr) {}
  ~thread_logger_scope() {
    if (!had_)
      caf::logger::set_current_actor_system(nullptr);
  }
  thread_logger_scope(const thread_logger_scope&) = delete;
  thread_logger_scope& operator=(const thread_logger_scope&) = delete;

private:
  bool had_;
};

/// A scoped_actor for blocking calls from user threads.
class user_scoped_actor {
public:
  explicit user_scoped_actor(caf::actor_system& sys) : self_(sys) {}
  caf::blocking_actor* operator->() { return self_.ptr(); }

private:
  thread_logger_scope scope_; // declared first: ends after ~scoped_actor
  caf::scoped_actor self_;
};

} // namespace liner
