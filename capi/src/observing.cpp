// Observing: lnr_set_status_cb, lnr_set_log_cb, lnr_last_error_code,
// lnr_last_error_message, lnr_stats_json, lnr_version, lnr_liner_version.
#include "export.hpp"

#include <string>

#include "capi_version.hpp"
#include "arg_check.hpp"
#include "handle_registry.hpp"
#include "runtime/log.hpp"

using namespace liner;
using namespace liner::capi;

extern "C" {

BOOL lnr_set_status_cb(lnr_hClient client, lnr_status_cb cb, lnr_uData udata) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  if (!cb) {
    c.client().set_status_callback({});
    return TRUE;
  }
  // Called on the client's status thread.
  c.client().set_status_callback([cb, udata](status_kind kind, std::string_view topic,
                                             std::string_view peer, std::string_view message) {
    std::string topic_s{topic}, peer_s{peer}, message_s{message}; // NUL-terminated
    cb(static_cast<int>(kind), topic_s.c_str(), peer_s.c_str(), message_s.c_str(), udata);
  });
  return TRUE;
}

BOOL lnr_set_log_cb(lnr_log_cb cb, lnr_uData udata) {
  if (!cb)
    log::set_sink({});
  else
    log::set_sink([cb, udata](const std::string& line) { cb(line.c_str(), udata); });
  return TRUE;
}

int lnr_last_error_code(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  return c ? static_cast<int>(c->last_error()) : LNR_OK;
}

int lnr_creation_error_code(void) {
  return static_cast<int>(creation_error().code);
}

const char* lnr_creation_error_message(void) {
  return creation_error().message.c_str();
}

const char* lnr_last_error_message(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return nullptr;
  return c->keep(client_entry::error_message_slot, c->last_error_message());
}

const char* lnr_stats_json(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return nullptr;
  return c->keep(client_entry::stats_slot, c.client().stats_json());
}

const char* lnr_version(void) {
  return LINER_CAPI_VERSION;
}

const char* lnr_liner_version(void) {
  return "1.4.1";
}

} // extern "C"
