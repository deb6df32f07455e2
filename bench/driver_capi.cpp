// The endpoint interface over liner's C ABI, for any library loaded by path:
// this project's libliner.so (subject "capi"), Rust liner 1.4.1's
// libliner_broker.so, an older build of ours (--lib). Functions that not
// every such library exports are looked up with dlsym and may be absent.
#include "driver.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <vector>

namespace bench {
namespace {

// liner.h declares BOOL as an int-sized enum, but Rust liner returns a
// one-byte bool (its upper register bytes are not defined). Reading only the
// low byte is right for both: our library returns exactly 0 or 1 in an int.
using lnr_bool = unsigned char;
using handle = void*;
using receive_cb = void (*)(const char*, const char*, const char*, std::size_t, void*);

struct c_api {
  handle (*new_client_sqlite)(const char*, const char*, const char*, const char*, const char*) = nullptr;
  handle (*new_client_postgres)(const char*, const char*, const char*, const char*) = nullptr; // optional
  handle (*new_client_redis)(const char*, const char*, const char*, const char*) = nullptr;
  lnr_bool (*run)(handle, receive_cb, void*) = nullptr;
  lnr_bool (*stop)(handle) = nullptr;
  lnr_bool (*delete_client)(handle) = nullptr;
  lnr_bool (*send_to)(handle, const char*, const char*, std::size_t, int) = nullptr;
  lnr_bool (*send_all)(handle, const char*, const char*, std::size_t, int) = nullptr;
  lnr_bool (*subscribe)(handle, const char*) = nullptr;
  int (*last_error_code)(handle) = nullptr;
  const char* (*last_error_message)(handle) = nullptr;
  long long (*pending_count)(handle) = nullptr;     // optional
  const char* (*version)() = nullptr;               // optional
  const char* (*liner_version)() = nullptr;         // optional (ours only)
  int (*creation_error_code)() = nullptr;           // optional (ours only)
  lnr_bool (*set_durable)(handle, int) = nullptr;   // optional (ours only)
};

constexpr int err_busy = 11; // LNR_ERR_BUSY

extern "C" void capi_receive(const char* to, const char* from, const char* data, std::size_t size,
                             void* udata) {
  (*static_cast<receive_fn*>(udata))(to ? to : "", from ? from : "", data, size);
}

class capi_endpoint final : public endpoint {
public:
  capi_endpoint(const c_api& api, handle h) : api_(api), h_(h) {}
  ~capi_endpoint() override { api_.delete_client(h_); }

  bool run(receive_fn on_receive) override {
    // A new holder per run, kept until destruction: a callback of the last
    // run may still be on its way out when run is called again.
    callbacks_.push_back(std::make_unique<receive_fn>(std::move(on_receive)));
    return api_.run(h_, capi_receive, callbacks_.back().get());
  }
  bool stop() override { return api_.stop(h_); }

  send_status send_to(const std::string& topic, const void* data, std::size_t size,
                      bool alo) override {
    return status(api_.send_to(h_, topic.c_str(), static_cast<const char*>(data), size, alo));
  }
  send_status send_all(const std::string& topic, const void* data, std::size_t size,
                       bool alo) override {
    return status(api_.send_all(h_, topic.c_str(), static_cast<const char*>(data), size, alo));
  }
  bool subscribe(const std::string& topic) override { return api_.subscribe(h_, topic.c_str()); }
  void set_durable(bool on) override {
    if (!api_.set_durable) {
      if (on)
        throw unsupported("no durable mode (lnr_set_durable)");
      return;
    }
    if (!api_.set_durable(h_, on))
      throw std::runtime_error("lnr_set_durable failed: " + last_error());
  }
  long long pending_count() override {
    return api_.pending_count ? api_.pending_count(h_) : -1;
  }
  std::string last_error() const override {
    const char* msg = api_.last_error_message(h_);
    return "code " + std::to_string(api_.last_error_code(h_)) + ": " + (msg ? msg : "");
  }

private:
  send_status status(lnr_bool ok) const {
    if (ok)
      return send_status::ok;
    return api_.last_error_code(h_) == err_busy ? send_status::busy : send_status::failed;
  }
  const c_api& api_;
  handle h_;
  std::vector<std::unique_ptr<receive_fn>> callbacks_;
};

class capi_library final : public library {
public:
  explicit capi_library(const std::string& path) : path_(path) {
    // RTLD_LOCAL: the library's symbols stay its own, next to the copy of
    // liner::Client linked into this program.
    dl_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!dl_)
      throw std::runtime_error(std::string("cannot load ") + path + ": " + dlerror());
    need(api_.new_client_sqlite, "lnr_new_client_sqlite");
    need(api_.run, "lnr_run");
    need(api_.stop, "lnr_stop");
    need(api_.delete_client, "lnr_delete_client");
    need(api_.send_to, "lnr_send_to");
    need(api_.send_all, "lnr_send_all");
    need(api_.subscribe, "lnr_subscribe");
    need(api_.last_error_code, "lnr_last_error_code");
    need(api_.last_error_message, "lnr_last_error_message");
    want(api_.new_client_postgres, "lnr_new_client_postgres");
    want(api_.new_client_redis, "lnr_new_client_redis");
    want(api_.pending_count, "lnr_pending_count");
    want(api_.version, "lnr_version");
    want(api_.liner_version, "lnr_liner_version");
    want(api_.creation_error_code, "lnr_creation_error_code");
    want(api_.set_durable, "lnr_set_durable");
  }
  // The library stays loaded until the process ends: its threads may
  // outlive the last client by a moment.
  ~capi_library() override = default;

  std::string version() const override {
    std::string v = path_ + ": lnr_version " + (api_.version ? api_.version() : "(none)");
    if (api_.liner_version)
      v += std::string(", drop-in for liner ") + api_.liner_version();
    return v;
  }

  std::unique_ptr<endpoint> create(const std::string& name, const std::string& topic,
                                   const std::string& bind, const store_spec& store) override {
    handle h = nullptr;
    if (store.kind == "postgres") {
      if (!api_.new_client_postgres)
        throw unsupported(path_ + " has no lnr_new_client_postgres (built without PostgreSQL)");
      h = api_.new_client_postgres(name.c_str(), topic.c_str(), bind.c_str(), store.location.c_str());
    } else if (store.kind == "redis") {
      if (!api_.new_client_redis)
        throw unsupported(path_ + " has no lnr_new_client_redis");
      h = api_.new_client_redis(name.c_str(), topic.c_str(), bind.c_str(), store.location.c_str());
      // Rust liner from Debian's crates is built without its Redis store.
      if (!h && !api_.liner_version)
        throw unsupported(path_ + ": lnr_new_client_redis failed (a liner built without Redis?)");
    } else {
      h = api_.new_client_sqlite(name.c_str(), topic.c_str(), bind.c_str(), store.location.c_str(), "");
    }
    if (!h) {
      std::string why = api_.creation_error_code
                          ? " (lnr_creation_error_code " + std::to_string(api_.creation_error_code()) + ")"
                          : "";
      throw std::runtime_error("creating client " + name + " on " + store.kind + " failed" + why);
    }
    return std::make_unique<capi_endpoint>(api_, h);
  }

private:
  template <class F>
  void want(F& f, const char* symbol) {
    f = reinterpret_cast<F>(dlsym(dl_, symbol));
  }
  template <class F>
  void need(F& f, const char* symbol) {
    want(f, symbol);
    if (!f)
      throw unsupported(path_ + " does not export " + symbol);
  }

  std::string path_;
  void* dl_ = nullptr;
  c_api api_;
};

} // namespace

std::unique_ptr<library> open_capi_library(const std::string& path) {
  return std::make_unique<capi_library>(path);
}

} // namespace bench
