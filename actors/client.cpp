// liner::Client: the facade over client_core.
#include <liner/client.hpp>

#include <atomic>
#include <mutex>

#include "actors/client_core.hpp"
#include "runtime/knobs.hpp"
#include "runtime/log.hpp"
#include "stores/receivers_json.hpp"
#include "stores/redis_connection.hpp"
#include "stores/redis_store.hpp"

namespace liner {

namespace {

thread_local error_code create_error = error_code::ok; // Client::last_create_error

// LINER_* variables that are set but wrong are ignored (their defaults
// apply); the first client of the process says so, once.
void log_environment_problems() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const auto& problem : knobs::environment_problems())
      log::warn(log::library, problem);
  });
}

template <class Open>
std::unique_ptr<Client> make_client(const std::string& unique_name, const std::string& topic,
                                    const std::string& localhost, std::string* error, Open open,
                                    std::unique_ptr<Client> (*wrap)(std::shared_ptr<client_core>)) {
  create_error = error_code::invalid_arg;
  auto fail = [&](const std::string& why) -> std::unique_ptr<Client> {
    if (error)
      *error = why;
    return nullptr;
  };
  if (topic == internal_channel_topic) {
    create_error = error_code::internal_topic;
    return fail("you can't use the internal channel topic as a client topic");
  }
  if (unique_name.empty())
    return fail("unique_name empty");
  if (topic.empty())
    return fail("topic empty");
  if (localhost.empty())
    return fail("localhost empty");
  // Before the store is opened: a refused client writes nothing.
  auto tls_files = tls::settings::from_environment();
  if (!tls_files)
    return fail(tls_files.error().message);
  log_environment_problems();
  try {
    std::unique_ptr<Store> store = open();
    auto core = client_core::create(unique_name, topic, localhost, std::move(store));
    if (*tls_files) {
      if (auto set = core->set_tls(*tls_files); !set) {
        create_error = error_code::invalid_arg;
        return fail("LINER_TLS_*: " + set.error().message);
      }
    }
    auto client = wrap(std::move(core));
    create_error = error_code::ok;
    return client;
  } catch (const std::exception& e) {
    std::string why = e.what();
    bool bad_json = why.rfind("receivers_json", 0) == 0;
    create_error = bad_json ? error_code::invalid_arg : error_code::store;
    return fail(why);
  }
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

} // namespace

// The outcome of the client's last call. Code and message change together,
// under the mutex; a success after a success (every send in a stream of
// them) only reads the atomic code.
struct Client::last_error_slot {
  std::string who; // the client's unique name, for log lines
  mutable std::mutex mutex;
  std::atomic<error_code> code{error_code::ok};
  std::string message;

  // Records a call's outcome (failures are logged, as liner does) and turns
  // it into liner's bool.
  bool record(const result<void>& r) {
    if (r) {
      if (code.load() != error_code::ok) {
        std::lock_guard<std::mutex> guard{mutex};
        code.store(error_code::ok);
        message.clear();
      }
      return true;
    }
    const auto& e = r.error();
    std::lock_guard<std::mutex> guard{mutex};
    code.store(e.code);
    message = e.message;
    log::error(who, message);
    return false;
  }

  template <class T>
  std::optional<T> record(result<T> r) {
    if (!r) {
      record(result<void>{r.error()});
      return std::nullopt;
    }
    record(result<void>{});
    return std::move(*r);
  }
};

Client::Client(std::shared_ptr<client_core> core)
  : core_(std::move(core)), error_(std::make_unique<last_error_slot>()) {
  error_->who = core_->unique_name();
}

error_code Client::last_create_error() {
  return create_error;
}

Client::~Client() {
  client_core::shutdown(core_);
}

std::unique_ptr<Client> Client::create_sqlite(const std::string& unique_name,
                                              const std::string& topic,
                                              const std::string& localhost,
                                              const std::string& path,
                                              const std::string& receivers_json,
                                              std::string* error) {
  if (path.empty()) {
    create_error = error_code::invalid_arg;
    if (error)
      *error = "store_path empty";
    return nullptr;
  }
  return make_client(
    unique_name, topic, localhost, error,
    [&] {
      auto store = open_sqlite_store(path, unique_name, knobs::store_timeout());
      store->set_source_topic(topic);
      auto json = trim(receivers_json);
      if (!json.empty()) {
        auto seeds = parse_receivers_json(json); // throws "receivers_json parse error: ..."
        try {
          store->seed_receivers(seeds);
        } catch (const std::exception& e) {
          throw std::runtime_error(std::string("seed_receivers: ") + e.what());
        }
      }
      return store;
    },
    [](std::shared_ptr<client_core> c) { return std::unique_ptr<Client>(new Client(std::move(c))); });
}

std::unique_ptr<Client> Client::create_postgres(const std::string& unique_name,
                                                const std::string& topic,
                                                const std::string& localhost,
                                                const std::string& url, std::string* error) {
  return make_client(
    unique_name, topic, localhost, error,
    [&] { return open_postgres_store(url, unique_name, knobs::store_timeout()); },
    [](std::shared_ptr<client_core> c) { return std::unique_ptr<Client>(new Client(std::move(c))); });
}

std::unique_ptr<Client> Client::create_redis(const std::string& unique_name,
                                             const std::string& topic,
                                             const std::string& localhost,
                                             const std::string& url, std::string* error) {
  try {
    redis::parse_url(url);
  } catch (const store_error& e) {
    create_error = error_code::invalid_arg;
    if (error)
      *error = e.what();
    return nullptr;
  }
  return make_client(
    unique_name, topic, localhost, error,
    [&] { return open_redis_store(url, unique_name, knobs::store_timeout()); },
    [](std::shared_ptr<client_core> c) { return std::unique_ptr<Client>(new Client(std::move(c))); });
}

std::string Client::stats_json() const {
  return core_->stats_json();
}

bool Client::run(receive_callback on_receive) {
  return error_->record(core_->run(std::move(on_receive)));
}
bool Client::stop() {
  return error_->record(core_->stop());
}
bool Client::is_running() const {
  return core_->is_running();
}
bool Client::send_to(const std::string& topic, const void* data, std::size_t size,
                     bool at_least_once) {
  return error_->record(core_->send_to(topic, data, size, at_least_once));
}
bool Client::send_all(const std::string& topic, const void* data, std::size_t size,
                      bool at_least_once) {
  return error_->record(core_->send_all(topic, data, size, at_least_once));
}
bool Client::subscribe(const std::string& topic) {
  return error_->record(core_->subscribe(topic));
}
bool Client::unsubscribe(const std::string& topic) {
  return error_->record(core_->unsubscribe(topic));
}
bool Client::refresh_address_topic(const std::string& topic) {
  return error_->record(core_->refresh_address_topic(topic));
}
std::optional<std::vector<address_entry>> Client::list_addresses(const std::string& topic) {
  return error_->record(core_->list_addresses(topic));
}
int64_t Client::pending_count() {
  return error_->record(core_->pending_count()).value_or(-1);
}
std::optional<std::vector<pending_entry>> Client::pending_by_peer() {
  return error_->record(core_->pending_by_peer());
}
bool Client::clear_stored_messages() {
  return error_->record(core_->clear_stored_messages());
}
bool Client::clear_addresses_of_topic() {
  return error_->record(core_->clear_addresses_of_topic());
}
bool Client::set_advertise_addr(const std::string& addr) {
  return error_->record(core_->set_advertise_addr(addr));
}
bool Client::set_tls(const std::string& cert_file, const std::string& key_file,
                     const std::string& ca_file) {
  if (cert_file.empty() && key_file.empty() && ca_file.empty())
    return error_->record(core_->set_tls(std::nullopt));
  if (cert_file.empty() || key_file.empty() || ca_file.empty())
    return error_->record(
      fail(error_code::invalid_arg, "TLS needs a certificate, a key and a CA file"));
  return error_->record(core_->set_tls(tls::settings{cert_file, key_file, ca_file}));
}

bool Client::set_durable(bool on) {
  return error_->record(core_->set_durable(on));
}

bool Client::durable() const {
  return core_->durable();
}

bool Client::set_auth_secret(const std::string& secret) {
  return error_->record(core_->set_auth_secret(secret));
}
std::optional<std::string> Client::advertise_addr() const {
  return core_->advertise_addr();
}
std::optional<std::string> Client::bound_listen_addr() const {
  return core_->bound_listen_addr();
}
std::optional<std::string> Client::published_addr() const {
  return core_->published_addr();
}
void Client::set_status_callback(status_callback cb) {
  core_->set_status_callback(std::move(cb));
}
error_code Client::last_error() const {
  return error_->code.load();
}
std::string Client::last_error_message() const {
  std::lock_guard<std::mutex> guard{error_->mutex};
  return error_->message;
}
const std::string& Client::unique_name() const {
  return core_->unique_name();
}
const std::string& Client::topic() const {
  return core_->topic();
}
bool Client::in_own_callback() const {
  return callback_scope::inside(core_->id());
}

bool Client::set_max_message_size(std::size_t n) {
  return knobs::set_max_message_size(n);
}
std::size_t Client::max_message_size() {
  return knobs::max_message_size();
}
bool Client::set_compress_threshold(std::size_t n) {
  return knobs::set_compress_threshold(n);
}
std::size_t Client::compress_threshold() {
  return knobs::compress_threshold();
}
void Client::set_max_send_queue(std::size_t n) {
  knobs::set_max_send_queue(n);
}
std::size_t Client::max_send_queue() {
  return knobs::max_send_queue();
}
void Client::set_send_buffer(std::size_t bytes) {
  knobs::set_send_buffer(bytes);
}
std::size_t Client::send_buffer() {
  return knobs::send_buffer();
}
bool Client::set_send_timeout_ms(int64_t ms) {
  return knobs::set_send_timeout(std::chrono::milliseconds{ms});
}
int64_t Client::send_timeout_ms() {
  return knobs::send_timeout().count();
}
bool Client::set_store_timeout_ms(int64_t ms) {
  return knobs::set_store_timeout(std::chrono::milliseconds{ms});
}
int64_t Client::store_timeout_ms() {
  return knobs::store_timeout().count();
}
bool Client::set_inbound_budget(std::size_t bytes) {
  return knobs::set_inbound_budget(bytes);
}
std::size_t Client::inbound_budget() {
  return knobs::inbound_budget();
}
bool Client::set_max_inbound_connections(std::size_t n) {
  return knobs::set_max_inbound_connections(n);
}
std::size_t Client::max_inbound_connections() {
  return knobs::max_inbound_connections();
}
bool Client::set_first_frame_timeout_ms(int64_t ms) {
  return knobs::set_first_frame_timeout(std::chrono::milliseconds{ms});
}
int64_t Client::first_frame_timeout_ms() {
  return knobs::first_frame_timeout().count();
}

bool Client::set_heartbeat_ms(int64_t ms) {
  return knobs::set_heartbeat_interval(std::chrono::milliseconds{ms});
}

int64_t Client::heartbeat_ms() {
  return knobs::heartbeat_interval().count();
}

bool Client::set_peer_timeout_ms(int64_t ms) {
  return knobs::set_peer_timeout(std::chrono::milliseconds{ms});
}

int64_t Client::peer_timeout_ms() {
  return knobs::peer_timeout().count();
}

} // namespace liner
