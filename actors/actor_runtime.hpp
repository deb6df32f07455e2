// The one CAF actor system of the process. Started when the first client is
// created and shut down when the last one is destroyed, so a process that
// creates and destroys clients in a loop returns to its starting threads.
#pragma once

#include <caf/actor_system.hpp>

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

} // namespace liner
