/*
 * Callbacks and offline queues: max_send_queue (BUSY and the SENDER_BUSY
 * event), pending_count / pending_by_peer after at-least-once sends to a peer
 * that never acknowledges, clearing them, and lnr_delete_client from inside a
 * client's own callbacks (it works: the last steps finish once they return).
 */
#include "capi_tests.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct pending_rows {
  const char* addr;
  int n;
  long long sum;
  int at_addr;     /* rows for addr, listener "f" */
} pending_rows;

static void collect_pending(const char* addr, const char* topic, const char* unique_name,
                            long long count, lnr_uData udata) {
  pending_rows* rows = (pending_rows*)udata;
  CHECK(addr != NULL && topic != NULL && unique_name != NULL);
  CHECK(count > 0);
  ++rows->n;
  rows->sum += count;
  if (strcmp(addr, rows->addr) == 0 && strcmp(unique_name, "f") == 0)
    ++rows->at_addr;
}

void test_busy_and_pending(backend* store) {
  static peer f, k;
  /* f publishes the address of a socket nobody reads: nothing sent to it is
   * ever acknowledged. */
  char silent[64];
  int fd = silent_listener(silent, sizeof silent);
  peer_init(&f, store, "f", "tf");
  CHECK_TRUE(lnr_set_advertise_addr(f.h, silent));
  peer_run(&f);
  CHECK_STR(lnr_published_addr(f.h), silent);

  peer_init(&k, store, "k", "tk");
  peer_run(&k);
  CHECK(lnr_pending_count(k.h) == 0);

  CHECK_TRUE(lnr_set_max_send_queue(3));
  int accepted = 0;
  BOOL ok = TRUE;
  for (int i = 0; i < 100 && ok; ++i) {
    char text[32];
    int n = snprintf(text, sizeof text, "alo %d", i);
    ok = lnr_send_to(k.h, "tf", text, (size_t)n, (BOOL)-1); /* non-zero: at least once */
    accepted += ok;
  }
  CHECK_FALSE(ok);
  CHECK(accepted >= 1 && accepted <= 3);
  CHECK_ERROR(k.h, LNR_ERR_BUSY, "send queue full");
  CHECK(log_count("send queue full") >= 1);
  /* Reported on the client's status thread. */
  wait_event(&k, LNR_SENDER_BUSY, NULL, silent);
  state_lock();
  for (int i = 0; i < k.events; ++i)
    if (k.event[i].kind == LNR_SENDER_BUSY)
      CHECK_STR(k.event[i].message, "send queue full");
  state_unlock();

  /* The queue may also have held a best-effort announcement that has been
   * written since: send_all until it is full again. */
  ok = TRUE;
  for (int i = 0; i < 100 && ok; ++i) {
    ok = lnr_send_all(k.h, "tf", "all", 3, TRUE);
    accepted += ok;
  }
  CHECK_FALSE(ok);
  CHECK_ERROR(k.h, LNR_ERR_BUSY, "send queue full");
  CHECK(accepted <= 3);
  CHECK_TRUE(lnr_set_max_send_queue(0));
  CHECK_TRUE(lnr_send_to(k.h, "tf", "not kept", 8, FALSE)); /* not at least once */
  CHECK_TRUE(lnr_set_status_cb(k.h, NULL, NULL));

  /* Stopping stores every unacknowledged at-least-once message. */
  CHECK_TRUE(lnr_stop(k.h));
  CHECK(lnr_pending_count(k.h) == accepted);
  CHECK_ERROR(k.h, LNR_OK, "");
  pending_rows rows = {silent, 0, 0, 0};
  CHECK_TRUE(lnr_pending_by_peer(k.h, collect_pending, &rows));
  CHECK_ERROR(k.h, LNR_OK, "");
  CHECK(rows.n >= 1 && rows.sum == accepted && rows.at_addr >= 1);
  CHECK_TRUE(lnr_pending_by_peer(k.h, NULL, NULL)); /* cb may be NULL */

  CHECK_TRUE(lnr_clear_stored_messages(k.h));
  CHECK(lnr_pending_count(k.h) == 0);
  memset(&rows, 0, sizeof rows);
  rows.addr = silent;
  CHECK_TRUE(lnr_pending_by_peer(k.h, collect_pending, &rows));
  CHECK(rows.n == 0);

  CHECK_TRUE(lnr_delete_client(k.h));
  CHECK_TRUE(lnr_delete_client(f.h));
  close(fd);
}

static int no_rows_for(backend* store, const char* topic) {
  row_counter rows = {0};
  lnr_hClient probe = backend_client(store, "probe", "tprobe");
  CHECK(probe != NULL);
  int none = 0;
  for (int i = 0; i < 2000 && !none; ++i) { /* the deleted client leaves the catalog */
    rows.n = 0;
    CHECK_TRUE(lnr_list_addresses(probe, topic, count_rows, &rows));
    none = rows.n == 0;
    if (!none)
      usleep(10 * 1000);
  }
  CHECK_TRUE(lnr_delete_client(probe));
  return none;
}

/* A client deleted from inside one of its own callbacks: the delete returns
 * TRUE at once, the handle is dead from then on, and the client stops (it
 * leaves the catalog) once the callback has returned. */
static void check_deleted(backend* store, peer* p, const char* topic) {
  wait_delete_attempts(p, 1);
  state_lock();
  CHECK(p->delete_results == 1);
  state_unlock();
  CHECK_FALSE(lnr_is_running(p->h));
  CHECK_FALSE(lnr_send_to(p->h, "te", "x", 1, TRUE));
  CHECK_FALSE(lnr_delete_client(p->h)); /* already deleted */
  CHECK(no_rows_for(store, topic));
}

void test_delete_from_callbacks(backend* store) {
  static peer r, n, s, e, x;
  peer_init(&r, store, "r", "tr");
  peer_init(&n, store, "n", "tn");
  peer_init(&s, store, "s", "ts");
  peer_init(&e, store, "e", "te");
  peer_init(&x, store, "x", "tx");
  r.delete_in_callback = delete_from_receive;
  n.delete_in_callback = delete_from_nested;
  peer_run(&r);
  peer_run(&n);
  peer_run(&s);
  peer_run(&e);
  peer_run(&x);

  log_clear();
  CHECK_TRUE(lnr_send_to(e.h, "tr", "hi", 2, TRUE));
  check_deleted(store, &r, "tr");
  CHECK_TRUE(lnr_send_to(e.h, "tn", "hi", 2, TRUE));
  check_deleted(store, &n, "tn");
  state_lock();
  CHECK(n.delete_attempts >= 1 && n.delete_results == 1); /* later rows: already deleted */
  state_unlock();

  /* From the status callback (a peer event). */
  CHECK_TRUE(lnr_send_to(s.h, "te", "x", 1, TRUE)); /* "te" becomes related */
  wait_received(&e, 1);
  state_lock();
  s.delete_in_callback = delete_from_status;
  state_unlock();
  CHECK_TRUE(lnr_stop(e.h));
  check_deleted(store, &s, "ts");
  CHECK(log_count("you can't delete") == 0);

  /* Deleting another (running) client from a callback is fine too. */
  CHECK_TRUE(lnr_run(e.h, on_receive, &e));
  state_lock();
  x.delete_other = e.h;
  state_unlock();
  CHECK_TRUE(lnr_send_to(e.h, "tx", "delete e", 8, TRUE));
  wait_received(&x, 1);
  state_lock();
  CHECK(x.delete_other_result == 1);
  state_unlock();
  CHECK_FALSE(lnr_delete_client(e.h));
  CHECK_TRUE(lnr_delete_client(x.h));
}

/* Calls racing with lnr_delete_client on another thread: the delete waits
 * for the calls in progress; calls after it fail cleanly. */
typedef struct hammer {
  lnr_hClient h;
  int calls;      /* under the state lock */
  int failed;     /* calls that failed after the delete */
  int stop;
} hammer;

static int hammered(void* arg) {
  return ((hammer*)arg)->calls >= 200;
}

static void* hammer_thread(void* arg) {
  hammer* w = (hammer*)arg;
  for (;;) {
    state_lock();
    int stop = w->stop;
    state_unlock();
    if (stop)
      break;
    BOOL sent = lnr_send_to(w->h, "tvictim-peer", "x", 1, FALSE);
    BOOL listed = lnr_list_addresses(w->h, "tvictim", NULL, NULL);
    const char* addr = lnr_published_addr(w->h);
    state_lock();
    ++w->calls;
    if (!sent && !listed && !addr)
      ++w->failed;
    state_changed();
    state_unlock();
  }
  return NULL;
}

void test_delete_while_in_use(backend* store) {
  static peer victim, target;
  peer_init(&victim, store, "victim", "tvictim");
  peer_init(&target, store, "victim-peer", "tvictim-peer");
  peer_run(&victim);
  peer_run(&target);
  hammer w = {victim.h, 0, 0, 0};
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, hammer_thread, &w) == 0);
  CHECK(wait_until(hammered, &w));
  CHECK_TRUE(lnr_delete_client(victim.h));
  state_lock();
  int calls_at_delete = w.calls;
  state_unlock();
  state_lock();
  w.calls = 0;
  state_unlock();
  CHECK(wait_until(hammered, &w)); /* 200 more calls, all after the delete */
  state_lock();
  w.stop = 1;
  int failed = w.failed;
  state_unlock();
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK(calls_at_delete >= 200 && failed >= 199);
  CHECK_FALSE(lnr_delete_client(victim.h));
  CHECK_TRUE(lnr_delete_client(target.h));
}
