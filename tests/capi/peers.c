#include "peers.h"

#include <stdio.h>
#include <string.h>

static void copy(char* dst, size_t size, const char* src) {
  CHECK(src != NULL); /* callback strings are never NULL */
  snprintf(dst, size, "%s", src);
}

void peer_try_delete(peer* p) {
  BOOL r = lnr_delete_client(p->h);
  state_lock();
  ++p->delete_attempts;
  p->delete_results += r;
  state_changed();
  state_unlock();
}

static void list_and_delete(const char* addr, const char* unique_name, lnr_uData udata) {
  CHECK(addr && unique_name);
  peer_try_delete((peer*)udata); /* TRUE for the first row, FALSE (deleted) after */
}

static int attempts_reached(void* arg) {
  peer* p = ((peer**)arg)[0];
  int n = (int)(size_t)((peer**)arg)[1];
  return p->delete_attempts >= n;
}

void wait_delete_attempts(peer* p, int n) {
  void* arg[2] = {p, (void*)(size_t)n};
  CHECK(wait_until(attempts_reached, arg));
}

void on_receive(const char* to, const char* from, const char* data, size_t size,
                lnr_uData udata) {
  peer* p = (peer*)udata;
  CHECK(to != NULL && from != NULL && data != NULL);
  state_lock();
  int delete_own = p->delete_in_callback;
  lnr_hClient other = p->delete_other;
  p->delete_other = NULL;
  state_unlock();
  if (delete_own == delete_from_receive) {
    peer_try_delete(p);
    return; /* p->h is gone */
  }
  if (delete_own == delete_from_nested) {
    CHECK_TRUE(lnr_list_addresses(p->h, to, list_and_delete, p));
    return;
  }
  if (other) {
    BOOL r = lnr_delete_client(other);
    state_lock();
    p->delete_other_result = r;
    state_unlock();
  }
  if (p->echo) {
    char reply[300];
    int n = snprintf(reply, sizeof reply, "echo:%.*s", (int)size, data);
    if (lnr_send_to(p->h, from, reply, (size_t)n, TRUE) != 1) {
      state_lock();
      ++p->echo_failures;
      state_unlock();
    }
  }
  state_lock();
  if (p->received < max_messages) {
    message* m = &p->inbox[p->received];
    copy(m->to, sizeof m->to, to);
    copy(m->from, sizeof m->from, from);
    CHECK(size < sizeof m->data);
    memcpy(m->data, data, size);
    m->data[size] = '\0';
    m->size = size;
  }
  ++p->received;
  state_changed();
  state_unlock();
}

void on_status(int kind, const char* topic, const char* peer_name, const char* message,
               lnr_uData udata) {
  peer* p = (peer*)udata;
  CHECK(topic != NULL && peer_name != NULL && message != NULL);
  CHECK(kind >= LNR_PEER_CONNECTED && kind <= LNR_SENDER_BUSY);
  state_lock();
  int delete_own = p->delete_in_callback;
  state_unlock();
  if (delete_own == delete_from_status) {
    peer_try_delete(p);
    return;
  }
  state_lock();
  if (p->events < max_events) {
    status_event* e = &p->event[p->events++];
    e->kind = kind;
    copy(e->topic, sizeof e->topic, topic);
    copy(e->peer, sizeof e->peer, peer_name);
    copy(e->message, sizeof e->message, message);
  }
  state_changed();
  state_unlock();
}

void count_rows(const char* addr, const char* unique_name, lnr_uData udata) {
  CHECK(addr != NULL && unique_name != NULL);
  ++((row_counter*)udata)->n;
}

void peer_init(peer* p, backend* b, const char* unique_name, const char* topic) {
  memset(p, 0, sizeof *p);
  p->delete_other_result = -1;
  p->h = backend_client(b, unique_name, topic);
  if (!p->h)
    check_failed(__FILE__, __LINE__, "creating a client", unique_name);
}

void peer_run(peer* p) {
  CHECK_TRUE(lnr_set_status_cb(p->h, on_status, p));
  CHECK_TRUE(lnr_run(p->h, on_receive, p));
  CHECK_ERROR(p->h, LNR_OK, "");
  CHECK_TRUE(lnr_is_running(p->h));
}

typedef struct received_at_least {
  peer* p;
  int n;
} received_at_least;

static int has_received(void* arg) {
  received_at_least* r = (received_at_least*)arg;
  return r->p->received >= r->n;
}

void wait_received(peer* p, int n) {
  received_at_least r = {p, n};
  if (!wait_until(has_received, &r)) {
    char detail[128];
    snprintf(detail, sizeof detail, "received %d of %d", peer_received(p), n);
    check_failed(__FILE__, __LINE__, "waiting for messages", detail);
  }
}

typedef struct event_query {
  peer* p;
  int kind;
  const char* topic;
  const char* peer_name;
} event_query;

static int has_event(void* arg) {
  event_query* q = (event_query*)arg;
  for (int i = 0; i < q->p->events; ++i) {
    status_event* e = &q->p->event[i];
    if (e->kind == q->kind && (!q->topic || strcmp(e->topic, q->topic) == 0)
        && strcmp(e->peer, q->peer_name) == 0)
      return 1;
  }
  return 0;
}

void wait_event(peer* p, int kind, const char* topic, const char* peer_name) {
  event_query q = {p, kind, topic, peer_name};
  if (!wait_until(has_event, &q)) {
    char detail[128];
    snprintf(detail, sizeof detail, "kind %d topic %s peer %s", kind, topic ? topic : "(any)",
             peer_name);
    check_failed(__FILE__, __LINE__, "waiting for a status event", detail);
  }
}

message peer_message(peer* p, int i) {
  state_lock();
  CHECK(i < p->received && i < max_messages);
  message m = p->inbox[i];
  state_unlock();
  return m;
}

int peer_received(peer* p) {
  state_lock();
  int n = p->received;
  state_unlock();
  return n;
}
