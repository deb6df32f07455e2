// Running and sending: lnr_run, lnr_stop, lnr_is_running, lnr_send_to,
// lnr_send_all.
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

// The receive callback as liner::Client calls it (on the delivery thread).
receive_callback wrap_receive(lnr_receive_cb cb, lnr_uData udata) {
  if (!cb)
    return {}; // liner::Client refuses it with "receive callback is empty"
  return [cb, udata](std::string_view to, std::string_view from, const char* data,
                     std::size_t size) {
    // NUL-terminated copies, in buffers the delivery thread keeps (no
    // allocation per message; one callback at a time runs on it).
    thread_local std::string to_s, from_s;
    to_s.assign(to);
    from_s.assign(from);
    cb(to_s.c_str(), from_s.c_str(), data ? data : "", size, udata);
  };
}

using send_fn = bool (Client::*)(const std::string&, const void*, std::size_t, bool);

BOOL send(lnr_hClient client, const char* topic, const char* data, size_t data_size,
          BOOL at_least_once, const char* empty_message, send_fn fn) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  if (!topic || (data_size > 0 && !data)) {
    c->reject(error_code::invalid_arg, null_argument);
    return FALSE;
  }
  if (!check_topic(c.entry(), topic, empty_message))
    return FALSE;
  c->clear_rejection();
  // The topic as a std::string without an allocation per send: a buffer
  // this thread keeps, unless a send is already using it further up this
  // thread's stack (a log callback that sends).
  thread_local std::string kept;
  thread_local bool in_use = false;
  if (in_use)
    return to_bool((c.client().*fn)(topic, data, data_size, at_least_once != 0));
  in_use = true;
  kept.assign(topic);
  bool ok = (c.client().*fn)(kept, data, data_size, at_least_once != 0);
  in_use = false;
  return to_bool(ok);
}

} // namespace

extern "C" {

BOOL lnr_run(lnr_hClient client, lnr_receive_cb receive_cb, lnr_uData udata) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  c->clear_rejection();
  return to_bool(c.client().run(wrap_receive(receive_cb, udata)));
}

BOOL lnr_stop(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  if (!c)
    return FALSE;
  c->clear_rejection();
  return to_bool(c.client().stop());
}

BOOL lnr_is_running(lnr_hClient client) {
  auto c = registry::instance().acquire(client);
  return to_bool(c && c.client().is_running());
}

BOOL lnr_send_to(lnr_hClient client, const char* topic, const char* data, size_t data_size,
                 BOOL at_least_once_delivery) {
  return send(client, topic, data, data_size, at_least_once_delivery, "topic name empty",
              &Client::send_to);
}

BOOL lnr_send_all(lnr_hClient client, const char* topic, const char* data, size_t data_size,
                  BOOL at_least_once_delivery) {
  return send(client, topic, data, data_size, at_least_once_delivery, "topic.is_empty()",
              &Client::send_all);
}

} // extern "C"
