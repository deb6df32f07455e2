// Creating and deleting clients: lnr_new_client_*, lnr_delete_client.
#include "export.hpp"

#include <string>

#include "arg_check.hpp"
#include "handle_registry.hpp"
#include "runtime/log.hpp"

using namespace liner;
using namespace liner::capi;

namespace {

struct named_arg {
  const char* name;  // as in liner's messages: "unique_name", "store_path", ...
  const char* value;
};

// The name of the client being made, for log lines (when it is one).
std::string_view who_of(const char* unique_name) {
  return unique_name && valid_utf8(unique_name) ? unique_name : log::library;
}

// liner's checks on constructor strings, in its order: all NULL checks, then
// UTF-8, then emptiness. Records and logs the first failure and returns false.
template <std::size_t N>
bool check_new_args(const named_arg (&args)[N]) {
  auto who = who_of(args[0].value); // args[0] is unique_name
  for (auto& a : args)
    if (!a.value) {
      refuse_creation(error_code::invalid_arg, who, null_argument);
      return false;
    }
  for (auto& a : args)
    if (!valid_utf8(a.value)) {
      refuse_creation(error_code::invalid_arg, who, std::string(a.name) + " invalid UTF-8");
      return false;
    }
  for (auto& a : args)
    if (!*a.value) {
      refuse_creation(error_code::invalid_arg, who, std::string(a.name) + " empty");
      return false;
    }
  return true;
}

// One line: libpq's messages span lines ("...failed: Connection
// refused\n\tIs the server running...").
std::string one_line(const std::string& text) {
  std::string out;
  for (char ch : text) {
    bool space = ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ';
    if (!space)
      out += ch;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

lnr_hClient registered(std::unique_ptr<Client> client, const char* unique_name,
                       const std::string& error) {
  if (!client) {
    // liner's own texts for receivers_json; otherwise liner is silent and we
    // say what failed (typically the store could not be opened).
    bool liner_text = error.rfind("receivers_json", 0) == 0 || error.rfind("seed_receivers", 0) == 0;
    refuse_creation(Client::last_create_error(), unique_name,
                    liner_text ? error : "could not create the client: " + one_line(error));
    return nullptr;
  }
  creation_error() = {};
  return registry::instance().add(std::move(client));
}

} // namespace

extern "C" {

lnr_hClient lnr_new_client_redis(const char* unique_name, const char* topic,
                                 const char* localhost, const char* redis_url) {
  if (!check_new_args({{"unique_name", unique_name},
                       {"topic", topic},
                       {"localhost", localhost},
                       {"redis_url", redis_url}}))
    return nullptr;
  std::string error;
  auto client = Client::create_redis(unique_name, topic, localhost, redis_url, &error);
  return registered(std::move(client), unique_name, error);
}

lnr_hClient lnr_new_client(const char* unique_name, const char* topic, const char* localhost,
                           const char* redis_url) {
  return lnr_new_client_redis(unique_name, topic, localhost, redis_url);
}

lnr_hClient lnr_new_client_sqlite(const char* unique_name, const char* topic,
                                  const char* localhost, const char* sqlite_path,
                                  const char* receivers_json) {
  if (!check_new_args({{"unique_name", unique_name},
                       {"topic", topic},
                       {"localhost", localhost},
                       {"store_path", sqlite_path}}))
    return nullptr;
  if (!receivers_json)
    receivers_json = "";
  if (!valid_utf8(receivers_json)) {
    refuse_creation(error_code::invalid_arg, unique_name, "receivers_json invalid UTF-8");
    return nullptr;
  }
  std::string error;
  auto client = Client::create_sqlite(unique_name, topic, localhost, sqlite_path, receivers_json,
                                      &error);
  return registered(std::move(client), unique_name, error);
}

lnr_hClient lnr_new_client_postgres(const char* unique_name, const char* topic,
                                    const char* localhost, const char* postgres_url) {
  // Unlike liner, an empty URL is allowed: libpq then reads its PG*
  // environment variables (NULL is still refused).
  if (!check_new_args({{"unique_name", unique_name}, {"topic", topic}, {"localhost", localhost}}))
    return nullptr;
  if (!postgres_url) {
    refuse_creation(error_code::invalid_arg, unique_name, null_argument);
    return nullptr;
  }
  if (!valid_utf8(postgres_url)) {
    refuse_creation(error_code::invalid_arg, unique_name, "postgres_url invalid UTF-8");
    return nullptr;
  }
  std::string error;
  auto client = Client::create_postgres(unique_name, topic, localhost, postgres_url, &error);
  return registered(std::move(client), unique_name, error);
}

unsigned char lnr_postgres_enabled(void) {
  return 1;
}

BOOL lnr_delete_client(lnr_hClient client) {
  return registry::instance().remove(client) ? TRUE : FALSE;
}

} // extern "C"
