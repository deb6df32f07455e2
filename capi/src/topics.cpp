// Topics, the directory and offline queues: lnr_subscribe, lnr_unsubscribe,
// lnr_refresh_address_topic, lnr_list_addresses, lnr_pending_count,
// lnr_pending_by_peer, lnr_clear_stored_messages, lnr_clear_addresses_of_topic.
#include "export.hpp"

#include <string>

#include "arg_check.hpp"
#include "handle_registry.hpp"

using namespace liner;
using namespace liner::capi;

namespace {

BOOL to_bool(bool b) {
  return b ? TRUE : FALSE;
}

using topic_fn = bool (Client::*)(const std::string&);

BOOL on_topic(lnr_hClient client, const char* topic, topic_fn fn) {
  auto c = registry::instance().acquire(client);
  if (!c || !check_topic(c.entry(), topic, "topic.is_empty()"))
    return FALSE;
  c->clear_rejection();
  return to_bool((c.client().*fn)(topic));
}

using clear_fn = bool (Client::*)();

BOOL clear(lnr_hClient client, clear_fn fn) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  c->clear_rejection();
  return to_bool((c.client().*fn)());
}

// Rows whose strings hold a NUL cannot be handed over as C strings: liner
// skips them.
bool c_safe(const std::string& s) {
  return s.find('\0') == std::string::npos;
}

} // namespace

extern "C" {

BOOL lnr_subscribe(lnr_hClient client, const char* topic) {
  return on_topic(client, topic, &Client::subscribe);
}

BOOL lnr_unsubscribe(lnr_hClient client, const char* topic) {
  return on_topic(client, topic, &Client::unsubscribe);
}

BOOL lnr_refresh_address_topic(lnr_hClient client, const char* topic) {
  return on_topic(client, topic, &Client::refresh_address_topic);
}

BOOL lnr_list_addresses(lnr_hClient client, const char* topic, lnr_addr_cb cb,
                        lnr_uData udata) {
  auto c = registry::instance().acquire(client);
  // An empty topic is a valid (empty) query, as in liner.
  if (!c || !check_topic(c.entry(), topic, nullptr))
    return FALSE;
  c->clear_rejection();
  auto rows = c.client().list_addresses(topic);
  if (!rows)
    return FALSE;
  // cb may delete the client: the call keeps the entry alive until it returns.
  if (cb)
    for (auto& row : *rows)
      if (c_safe(row.addr) && c_safe(row.unique_name))
        cb(row.addr.c_str(), row.unique_name.c_str(), udata);
  return TRUE;
}

long long lnr_pending_count(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return -1;
  c->clear_rejection();
  return c.client().pending_count();
}

BOOL lnr_pending_by_peer(lnr_hClient client, lnr_pending_cb cb, lnr_uData udata) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  c->clear_rejection();
  auto rows = c.client().pending_by_peer();
  if (!rows)
    return FALSE;
  if (cb)
    for (auto& row : *rows)
      if (c_safe(row.addr) && c_safe(row.topic) && c_safe(row.unique_name))
        cb(row.addr.c_str(), row.topic.c_str(), row.unique_name.c_str(), row.count, udata);
  return TRUE;
}

BOOL lnr_clear_stored_messages(lnr_hClient client) {
  return clear(client, &Client::clear_stored_messages);
}

BOOL lnr_clear_addresses_of_topic(lnr_hClient client) {
  return clear(client, &Client::clear_addresses_of_topic);
}

} // extern "C"
