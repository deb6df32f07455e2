#include "actors/actor_runtime.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <algorithm>
#include <mutex>
#include <thread>

namespace liner {

namespace {
std::mutex runtime_mutex;
std::weak_ptr<actor_runtime> current;
} // namespace

actor_runtime::actor_runtime() : config_(std::make_unique<caf::actor_system_config>()) {
  config_->load<caf::io::middleman>();
  // One worker per core (CAF's default would start four on two cores).
  auto cores = std::max(2u, std::min(4u, std::thread::hardware_concurrency()));
  config_->set("scheduler.max-threads", static_cast<size_t>(cores));
  system_ = std::make_unique<caf::actor_system>(*config_);
}

actor_runtime::~actor_runtime() {
  // Every client exits its actors before releasing the runtime, so this
  // waits only for actors that are already terminating.
  system_.reset();
}

std::shared_ptr<actor_runtime> actor_runtime::acquire() {
  std::lock_guard<std::mutex> guard{runtime_mutex};
  if (auto rt = current.lock())
    return rt;
  std::shared_ptr<actor_runtime> rt{new actor_runtime};
  current = rt;
  return rt;
}

} // namespace liner
