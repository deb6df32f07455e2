// Settings: the process-wide knobs (sizes and timeouts), the advertise address, the address
// getters (lnr_set/get_*, lnr_set_advertise_addr, lnr_advertise_addr,
// lnr_bound_listen_addr, lnr_published_addr) and the shared secret
// (lnr_set_auth_secret), TLS (lnr_set_tls) and durable mode (lnr_set_durable).
#include "export.hpp"

#include <string>

#include "arg_check.hpp"
#include "handle_registry.hpp"
#include "runtime/knobs.hpp"

using namespace liner;
using namespace liner::capi;

extern "C" {

BOOL lnr_set_max_message_size(size_t n) {
  return knobs::set_max_message_size(n) ? TRUE : FALSE;
}

size_t lnr_get_max_message_size(void) {
  return knobs::max_message_size();
}

BOOL lnr_set_compress_threshold(size_t n) {
  return knobs::set_compress_threshold(n) ? TRUE : FALSE;
}

size_t lnr_get_compress_threshold(void) {
  return knobs::compress_threshold();
}

BOOL lnr_set_max_send_queue(size_t n) {
  knobs::set_max_send_queue(n);
  return TRUE;
}

size_t lnr_get_max_send_queue(void) {
  return knobs::max_send_queue();
}

BOOL lnr_set_send_buffer(size_t bytes) {
  knobs::set_send_buffer(bytes);
  return TRUE;
}

size_t lnr_get_send_buffer(void) {
  return knobs::send_buffer();
}

BOOL lnr_set_send_timeout_ms(unsigned int ms) {
  return knobs::set_send_timeout(std::chrono::milliseconds{ms}) ? TRUE : FALSE;
}

unsigned int lnr_get_send_timeout_ms(void) {
  return static_cast<unsigned int>(knobs::send_timeout().count());
}

BOOL lnr_set_store_timeout_ms(unsigned int ms) {
  return knobs::set_store_timeout(std::chrono::milliseconds{ms}) ? TRUE : FALSE;
}

unsigned int lnr_get_store_timeout_ms(void) {
  return static_cast<unsigned int>(knobs::store_timeout().count());
}

BOOL lnr_set_first_frame_timeout_ms(unsigned int ms) {
  return knobs::set_first_frame_timeout(std::chrono::milliseconds{ms}) ? TRUE : FALSE;
}

unsigned int lnr_get_first_frame_timeout_ms(void) {
  return static_cast<unsigned int>(knobs::first_frame_timeout().count());
}

BOOL lnr_set_heartbeat_ms(unsigned int ms) {
  return knobs::set_heartbeat_interval(std::chrono::milliseconds{ms}) ? TRUE : FALSE;
}

unsigned int lnr_get_heartbeat_ms(void) {
  return static_cast<unsigned int>(knobs::heartbeat_interval().count());
}

BOOL lnr_set_peer_timeout_ms(unsigned int ms) {
  return knobs::set_peer_timeout(std::chrono::milliseconds{ms}) ? TRUE : FALSE;
}

unsigned int lnr_get_peer_timeout_ms(void) {
  return static_cast<unsigned int>(knobs::peer_timeout().count());
}

BOOL lnr_set_inbound_budget(size_t bytes) {
  return knobs::set_inbound_budget(bytes) ? TRUE : FALSE;
}

size_t lnr_get_inbound_budget(void) {
  return knobs::inbound_budget();
}

BOOL lnr_set_max_inbound_connections(size_t n) {
  return knobs::set_max_inbound_connections(n) ? TRUE : FALSE;
}

size_t lnr_get_max_inbound_connections(void) {
  return knobs::max_inbound_connections();
}

BOOL lnr_set_durable(lnr_hClient client, BOOL on) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  c->clear_rejection();
  return c.client().set_durable(on != FALSE) ? TRUE : FALSE;
}

BOOL lnr_set_auth_secret(lnr_hClient client, const char* secret) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  c->clear_rejection();
  return c.client().set_auth_secret(secret ? secret : "") ? TRUE : FALSE;
}

BOOL lnr_set_tls(lnr_hClient client, const char* cert_file, const char* key_file,
                 const char* ca_file) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  for (const char* f : {cert_file, key_file, ca_file})
    if (f && !valid_utf8(f)) {
      c->reject(error_code::invalid_arg, "TLS file name invalid UTF-8");
      return FALSE;
    }
  c->clear_rejection();
  return c.client().set_tls(cert_file ? cert_file : "", key_file ? key_file : "",
                            ca_file ? ca_file : "")
           ? TRUE
           : FALSE;
}

BOOL lnr_set_advertise_addr(lnr_hClient client, const char* addr) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  if (addr && !valid_utf8(addr)) {
    c->reject(error_code::invalid_arg, "advertise address invalid UTF-8");
    return FALSE;
  }
  c->clear_rejection();
  return c.client().set_advertise_addr(addr ? addr : "") ? TRUE : FALSE;
}

const char* lnr_advertise_addr(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  return c ? c->keep(client_entry::advertise_slot, c.client().advertise_addr()) : nullptr;
}

const char* lnr_bound_listen_addr(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  return c ? c->keep(client_entry::bound_slot, c.client().bound_listen_addr()) : nullptr;
}

const char* lnr_published_addr(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  return c ? c->keep(client_entry::published_slot, c.client().published_addr()) : nullptr;
}

} // extern "C"
