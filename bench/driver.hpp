// The small endpoint interface every liner workload is written against,
// implemented once for liner::Client (driver_cpp.cpp) and once for any
// library with liner's C ABI (driver_capi.cpp: ours, Rust liner 1.4.1, an
// older build of ours), so all of them run the very same workload code.
#pragma once

#include "spec.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace bench {

/// Called on a library thread, one message at a time per endpoint.
using receive_fn =
  std::function<void(std::string_view to, std::string_view from, const char* data, std::size_t size)>;

enum class send_status { ok, busy, failed };

/// One liner client. Destroying it deletes the client (stops it if running).
class endpoint {
public:
  virtual ~endpoint() = default;
  /// Starts the client; `on_receive` stays in use until the next run or
  /// the endpoint's destruction.
  virtual bool run(receive_fn on_receive) = 0;
  virtual bool stop() = 0;
  virtual send_status send_to(const std::string& topic, const void* data, std::size_t size,
                              bool at_least_once) = 0;
  virtual send_status send_all(const std::string& topic, const void* data, std::size_t size,
                               bool at_least_once) = 0;
  virtual bool subscribe(const std::string& topic) = 0;
  /// Durable mode (before run); throws bench::unsupported when the library
  /// has none (liner 1.4.1) and `on` is asked for.
  virtual void set_durable(bool on) = 0;
  /// Messages of this sender in the store's offline queues; -1 if unknown.
  virtual long long pending_count() = 0;
  /// "code N: message" of the last call.
  virtual std::string last_error() const = 0;
};

/// A library under test, loaded once per child process.
class library {
public:
  virtual ~library() = default;
  /// e.g. "liner-caf 0.1.0 (liner 1.4.1)"; shown in notes.
  virtual std::string version() const = 0;
  /// A client on `store` bound to `bind`; throws bench::unsupported when
  /// the library cannot use that store, std::runtime_error when creation fails.
  virtual std::unique_ptr<endpoint> create(const std::string& unique_name, const std::string& topic,
                                           const std::string& bind, const store_spec& store) = 0;
};

std::unique_ptr<library> make_cpp_library();
/// dlopen()s `path`; throws std::runtime_error if it cannot be loaded or
/// lacks one of the functions every workload needs.
std::unique_ptr<library> open_capi_library(const std::string& path);

} // namespace bench
