// The endpoint interface over this project's C++ API, liner::Client.
#include "driver.hpp"

#include <liner/client.hpp>

#include <stdexcept>

namespace bench {
namespace {

class cpp_endpoint final : public endpoint {
public:
  explicit cpp_endpoint(std::unique_ptr<liner::Client> c) : client_(std::move(c)) {}

  // receive_fn has exactly liner::receive_callback's signature: handed over
  // as is, so this driver adds no call layer of its own.
  bool run(receive_fn on_receive) override { return client_->run(std::move(on_receive)); }
  bool stop() override { return client_->stop(); }

  send_status send_to(const std::string& topic, const void* data, std::size_t size,
                      bool alo) override {
    return status(client_->send_to(topic, data, size, alo));
  }
  send_status send_all(const std::string& topic, const void* data, std::size_t size,
                       bool alo) override {
    return status(client_->send_all(topic, data, size, alo));
  }
  bool subscribe(const std::string& topic) override { return client_->subscribe(topic); }
  void set_durable(bool on) override {
    if (!client_->set_durable(on))
      throw std::runtime_error("set_durable failed: " + last_error());
  }
  long long pending_count() override { return client_->pending_count(); }
  std::string last_error() const override {
    return "code " + std::to_string(static_cast<int>(client_->last_error())) + ": "
           + client_->last_error_message();
  }

private:
  send_status status(bool ok) const {
    if (ok)
      return send_status::ok;
    return client_->last_error() == liner::error_code::busy ? send_status::busy
                                                            : send_status::failed;
  }
  std::unique_ptr<liner::Client> client_;
};

class cpp_library final : public library {
public:
  std::string version() const override { return "liner::Client (linked in)"; }

  std::unique_ptr<endpoint> create(const std::string& name, const std::string& topic,
                                   const std::string& bind, const store_spec& store) override {
    std::string error;
    auto c = store.kind == "postgres" ? liner::Client::create_postgres(name, topic, bind, store.location, &error)
             : store.kind == "redis"  ? liner::Client::create_redis(name, topic, bind, store.location, &error)
                                      : liner::Client::create_sqlite(name, topic, bind, store.location, "", &error);
    if (!c)
      throw std::runtime_error("creating client " + name + " failed: " + error);
    return std::make_unique<cpp_endpoint>(std::move(c));
  }
};

} // namespace

std::unique_ptr<library> make_cpp_library() {
  return std::make_unique<cpp_library>();
}

} // namespace bench
