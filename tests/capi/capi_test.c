/*
 * The C API (liner.h, libliner.so) end to end, from C: every function, every
 * error code, bad handles and arguments, callbacks calling back in.
 *
 *   capi_test sqlite|postgres|redis
 *
 * postgres needs LINER_TEST_POSTGRES_URL (each run uses fresh schemas).
 * Asynchronous results are awaited on a condition variable with a generous
 * deadline; nothing depends on timing.
 */
#include "capi_tests.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* -- no client needed ---------------------------------------------------------- */

static void test_versions(void) {
  CHECK_STR(lnr_version(), LINER_EXPECTED_VERSION);
  CHECK_STR(lnr_liner_version(), "1.4.1");
  CHECK(lnr_postgres_enabled() == 1);
}

static void test_knobs(void) {
  CHECK(lnr_get_max_message_size() == 1073741824u);
  CHECK_FALSE(lnr_set_max_message_size(0));
  CHECK(lnr_get_max_message_size() == 1073741824u);
  CHECK_TRUE(lnr_set_max_message_size(4096));
  CHECK(lnr_get_max_message_size() == 4096);
  CHECK_TRUE(lnr_set_max_message_size(1073741824u));

  CHECK(lnr_get_compress_threshold() == 1048576u);
  CHECK_FALSE(lnr_set_compress_threshold(0));
  CHECK(lnr_get_compress_threshold() == 1048576u);
  CHECK_TRUE(lnr_set_compress_threshold(100));
  CHECK(lnr_get_compress_threshold() == 100);
  CHECK_TRUE(lnr_set_compress_threshold(1048576u));

  CHECK(lnr_get_max_send_queue() == 0);
  CHECK_TRUE(lnr_set_max_send_queue(7));
  CHECK(lnr_get_max_send_queue() == 7);
  CHECK_TRUE(lnr_set_max_send_queue(0)); /* 0 = unlimited, accepted */
  CHECK(lnr_get_max_send_queue() == 0);
  CHECK(lnr_get_send_buffer() == 256u * 1024u);
  CHECK_TRUE(lnr_set_send_buffer(0)); /* 0 = unlimited, accepted */
  CHECK(lnr_get_send_buffer() == 0);
  CHECK_TRUE(lnr_set_send_buffer(256u * 1024u));
  CHECK(lnr_get_send_timeout_ms() == 1000);
  CHECK_TRUE(lnr_set_send_timeout_ms(0));
  CHECK(lnr_get_send_timeout_ms() == 0);
  CHECK_TRUE(lnr_set_send_timeout_ms(1000));
  CHECK_FALSE(lnr_set_send_timeout_ms(86400001u)); /* above a day: refused, unchanged */
  CHECK(lnr_get_send_timeout_ms() == 1000);
  CHECK(lnr_get_store_timeout_ms() == 5000);
  CHECK_FALSE(lnr_set_store_timeout_ms(0));
  CHECK_FALSE(lnr_set_store_timeout_ms(0xFFFFFFFFu));
  CHECK(lnr_get_store_timeout_ms() == 5000);
  CHECK_TRUE(lnr_set_store_timeout_ms(7000));
  CHECK(lnr_get_store_timeout_ms() == 7000);
  CHECK_TRUE(lnr_set_store_timeout_ms(5000));
  CHECK(lnr_get_first_frame_timeout_ms() == 5000);
  CHECK_FALSE(lnr_set_first_frame_timeout_ms(0));
  CHECK_TRUE(lnr_set_first_frame_timeout_ms(250));
  CHECK(lnr_get_first_frame_timeout_ms() == 250);
  CHECK_TRUE(lnr_set_first_frame_timeout_ms(5000));
  CHECK(lnr_get_heartbeat_ms() == 2000);
  CHECK_FALSE(lnr_set_heartbeat_ms(9));
  CHECK_FALSE(lnr_set_heartbeat_ms(86400001u));
  CHECK_TRUE(lnr_set_heartbeat_ms(0));
  CHECK(lnr_get_heartbeat_ms() == 0);
  CHECK_TRUE(lnr_set_heartbeat_ms(2000));
  CHECK(lnr_get_peer_timeout_ms() == 10000);
  CHECK_FALSE(lnr_set_peer_timeout_ms(99));
  CHECK_TRUE(lnr_set_peer_timeout_ms(100));
  CHECK(lnr_get_peer_timeout_ms() == 100);
  CHECK_TRUE(lnr_set_peer_timeout_ms(10000));
}

/* With no log callback, lines go to stderr; the callback gets them again
 * once installed. */
static void test_log_sink(void) {
  CHECK_TRUE(lnr_set_log_cb(NULL, NULL));
  char path[] = "/tmp/liner-capi-stderr-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  CHECK(saved >= 0 && dup2(fd, 2) == 2);
  BOOL stopped = lnr_stop(NULL);
  fflush(stderr);
  CHECK(dup2(saved, 2) == 2);
  close(saved);
  CHECK_FALSE(stopped);
  char text[1024] = {0};
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  CHECK(read(fd, text, sizeof text - 1) > 0);
  close(fd);
  unlink(path);
  /* stderr: "[2026-12-05 11:40:01.123] [error] liner: client was not created" */
  CHECK(starts_with(text, "[20"));
  CHECK(strstr(text, "] [error] liner: client was not created\n") != NULL);

  log_capture_install();
  log_clear();
  CHECK_FALSE(lnr_stop(NULL));
  CHECK(log_count("client was not created") == 1);
  char line[1024];
  log_last(line, sizeof line);
  /* the hook: the level, who it is about, the text; never a source file */
  CHECK(strcmp(line, "Error liner: client was not created") == 0);
}

/* -- two clients exchanging messages ------------------------------------------------ */

static void check_message(peer* p, int i, const char* to, const char* from, const char* data) {
  message m = peer_message(p, i);
  CHECK_STR(m.to, to);
  CHECK_STR(m.from, from);
  CHECK_STR(m.data, data);
  CHECK(m.size == strlen(data));
}

typedef struct row_list {
  int n;
  char addr[8][64];
  char name[8][64];
} row_list;

static void collect_row(const char* addr, const char* unique_name, lnr_uData udata) {
  row_list* rows = (row_list*)udata;
  CHECK(addr != NULL && unique_name != NULL);
  CHECK(rows->n < 8);
  snprintf(rows->addr[rows->n], sizeof rows->addr[0], "%s", addr);
  snprintf(rows->name[rows->n], sizeof rows->name[0], "%s", unique_name);
  ++rows->n;
}

static int row_index(const row_list* rows, const char* name) {
  for (int i = 0; i < rows->n; ++i)
    if (strcmp(rows->name[i], name) == 0)
      return i;
  return -1;
}

static void test_exchange(backend* b) {
  static peer a, bb, c; /* static: large, and callbacks may outlive a frame */
  peer_init(&a, b, "a", "ta");
  peer_init(&bb, b, "b", "tb");
  peer_init(&c, b, "c", "tc");
  a.echo = 1;

  /* A fresh client: stopped, no addresses, no error. */
  CHECK_FALSE(lnr_is_running(a.h));
  CHECK_ERROR(a.h, LNR_OK, "");
  CHECK_STR(lnr_bound_listen_addr(a.h), NULL);
  CHECK_STR(lnr_published_addr(a.h), NULL);
  CHECK_STR(lnr_advertise_addr(a.h), NULL);

  peer_run(&a);
  peer_run(&bb);
  peer_run(&c);
  CHECK_TRUE(lnr_run(a.h, on_receive, &a)); /* already running: TRUE, LNR_OK */
  CHECK_ERROR(a.h, LNR_OK, "");
  const char* bound = lnr_bound_listen_addr(a.h);
  CHECK(starts_with(bound, "127.0.0.1:"));
  CHECK_STR(lnr_published_addr(a.h), bound);

  /* b -> a, and a echoes from inside its receive callback. */
  CHECK_TRUE(lnr_send_to(bb.h, "ta", "m1", 2, TRUE));
  CHECK_ERROR(bb.h, LNR_OK, "");
  CHECK_TRUE(lnr_send_to(bb.h, "ta", "m2", 2, TRUE));
  CHECK_TRUE(lnr_send_to(bb.h, "ta", "m3", 2, (BOOL)2)); /* any non-zero is true */
  CHECK_TRUE(lnr_send_to(bb.h, "ta", "m4", 2, FALSE));
  wait_received(&a, 4);
  check_message(&a, 0, "ta", "tb", "m1");
  check_message(&a, 1, "ta", "tb", "m2");
  check_message(&a, 2, "ta", "tb", "m3");
  check_message(&a, 3, "ta", "tb", "m4");
  wait_received(&bb, 4);
  check_message(&bb, 0, "tb", "ta", "echo:m1");
  check_message(&bb, 3, "tb", "ta", "echo:m4");
  CHECK(a.echo_failures == 0);

  /* send_all: one copy per subscriber. */
  CHECK_TRUE(lnr_subscribe(bb.h, "group"));
  CHECK_ERROR(bb.h, LNR_OK, "");
  CHECK_TRUE(lnr_subscribe(bb.h, "group")); /* again: harmless */
  CHECK_TRUE(lnr_subscribe(c.h, "group"));
  /* Sends go by a's address cache, which peer events refresh in the
   * background: make sure it has both subscribers. */
  CHECK_TRUE(lnr_refresh_address_topic(a.h, "group"));
  CHECK_ERROR(a.h, LNR_OK, "");
  CHECK_TRUE(lnr_send_all(a.h, "group", "hello all", 9, TRUE));
  CHECK_ERROR(a.h, LNR_OK, "");
  wait_received(&bb, 5);
  wait_received(&c, 1);
  check_message(&bb, 4, "group", "ta", "hello all");
  check_message(&c, 0, "group", "ta", "hello all");

  /* The directory: rows straight from the store. */
  row_list rows = {0};
  CHECK_TRUE(lnr_list_addresses(a.h, "group", collect_row, &rows));
  CHECK_ERROR(a.h, LNR_OK, "");
  CHECK(rows.n == 2);
  CHECK(row_index(&rows, "b") >= 0 && row_index(&rows, "c") >= 0);
  CHECK_STR(rows.addr[row_index(&rows, "b")], lnr_published_addr(bb.h));
  CHECK_STR(rows.addr[row_index(&rows, "c")], lnr_published_addr(c.h));
  CHECK_TRUE(lnr_list_addresses(a.h, "group", NULL, NULL)); /* cb may be NULL */
  memset(&rows, 0, sizeof rows);
  CHECK_TRUE(lnr_list_addresses(a.h, "nobody-here", collect_row, &rows));
  CHECK(rows.n == 0);
  CHECK_TRUE(lnr_list_addresses(a.h, "", collect_row, &rows));
  CHECK(rows.n == 0);
  memset(&rows, 0, sizeof rows);
  CHECK_TRUE(lnr_list_addresses(a.h, "ta", collect_row, &rows));
  CHECK(rows.n == 1);
  CHECK_STR(rows.name[0], "a");
  CHECK_STR(rows.addr[0], lnr_published_addr(a.h));

  /* Peer events for topics a is related to ("group": sent to; "tc": below). */
  CHECK_TRUE(lnr_unsubscribe(c.h, "group"));
  CHECK_ERROR(c.h, LNR_OK, "");
  wait_event(&a, LNR_PEER_UNSUBSCRIBED, "group", "c");
  memset(&rows, 0, sizeof rows);
  CHECK_TRUE(lnr_list_addresses(a.h, "group", collect_row, &rows));
  CHECK(rows.n == 1);
  CHECK_STR(rows.name[0], "b");
  CHECK_TRUE(lnr_unsubscribe(c.h, "never-subscribed")); /* TRUE as in liner */
  CHECK_TRUE(lnr_unsubscribe(bb.h, "group"));
  wait_event(&a, LNR_PEER_UNSUBSCRIBED, "group", "b");
  CHECK_TRUE(lnr_subscribe(bb.h, "group"));
  wait_event(&a, LNR_PEER_SUBSCRIBED, "group", "b");
  CHECK_TRUE(lnr_refresh_address_topic(a.h, "group"));
  CHECK_ERROR(a.h, LNR_OK, "");
  CHECK_TRUE(lnr_send_to(a.h, "group", "only b", 6, TRUE));
  wait_received(&bb, 6);
  check_message(&bb, 5, "group", "ta", "only b");

  CHECK_TRUE(lnr_send_to(a.h, "tc", "to c", 4, TRUE));
  wait_received(&c, 2);
  check_message(&c, 1, "tc", "ta", "to c");
  CHECK_TRUE(lnr_stop(c.h));
  CHECK_ERROR(c.h, LNR_OK, "");
  wait_event(&a, LNR_PEER_DISCONNECTED, "tc", "c");
  CHECK_TRUE(lnr_run(c.h, on_receive, &c));
  wait_event(&a, LNR_PEER_CONNECTED, "tc", "c");
  state_lock();
  for (int i = 0; i < a.events; ++i) {
    status_event* e = &a.event[i];
    if (e->kind == LNR_PEER_CONNECTED)
      CHECK_STR(e->message, "client_connected");
    if (e->kind == LNR_PEER_DISCONNECTED)
      CHECK_STR(e->message, "client_disconnected");
    if (e->kind == LNR_PEER_SUBSCRIBED)
      CHECK_STR(e->message, "subscribed");
    if (e->kind == LNR_PEER_UNSUBSCRIBED)
      CHECK_STR(e->message, "unsubscribed");
  }
  state_unlock();

  /* Removing the status callback. */
  CHECK_TRUE(lnr_set_status_cb(a.h, NULL, NULL));

  /* Stop: idempotent; the bound address stays, the published one goes. */
  CHECK_TRUE(lnr_stop(a.h));
  CHECK_TRUE(lnr_stop(a.h));
  CHECK_ERROR(a.h, LNR_OK, "");
  CHECK_FALSE(lnr_is_running(a.h));
  CHECK(starts_with(lnr_bound_listen_addr(a.h), "127.0.0.1:"));
  CHECK_STR(lnr_published_addr(a.h), NULL);

  CHECK_TRUE(lnr_delete_client(a.h));
  CHECK_TRUE(lnr_delete_client(bb.h));
  CHECK_TRUE(lnr_delete_client(c.h));
}

/* -- addresses ---------------------------------------------------------------------- */

static void test_addresses(backend* b) {
  static peer g;
  peer_init(&g, b, "g", "tg");
  CHECK_STR(lnr_advertise_addr(g.h), NULL);
  CHECK_TRUE(lnr_set_advertise_addr(g.h, "127.0.0.1:0"));
  CHECK_ERROR(g.h, LNR_OK, "");
  CHECK_STR(lnr_advertise_addr(g.h), "127.0.0.1:0");

  peer_run(&g);
  /* Port 0 in the advertise address means the bound port. */
  const char* bound = lnr_bound_listen_addr(g.h);
  CHECK(starts_with(bound, "127.0.0.1:"));
  CHECK_STR(lnr_published_addr(g.h), bound);
  /* Getter strings stay valid while the value does not change. */
  CHECK(lnr_bound_listen_addr(g.h) == bound);

  CHECK_FALSE(lnr_set_advertise_addr(g.h, "127.0.0.1:9"));
  CHECK_ERROR(g.h, LNR_ERR_ALREADY_RUNNING,
              "you can't set_advertise_addr because client already is running");
  CHECK(log_count("you can't set_advertise_addr because client already is running") >= 1);
  CHECK_STR(lnr_advertise_addr(g.h), "127.0.0.1:0");

  CHECK_TRUE(lnr_stop(g.h));
  CHECK_STR(lnr_published_addr(g.h), NULL);
  CHECK_STR(lnr_bound_listen_addr(g.h), bound); /* kept after stop */

  CHECK_FALSE(lnr_set_advertise_addr(g.h, "1.2.3.4:notaport"));
  CHECK_ERROR(g.h, LNR_ERR_INVALID_ARG, "invalid advertise address: 1.2.3.4:notaport");
  CHECK_TRUE(lnr_set_advertise_addr(g.h, "10.1.2.3:2255"));
  CHECK_STR(lnr_advertise_addr(g.h), "10.1.2.3:2255");
  CHECK_TRUE(lnr_set_advertise_addr(g.h, NULL)); /* NULL clears */
  CHECK_ERROR(g.h, LNR_OK, "");
  CHECK_STR(lnr_advertise_addr(g.h), NULL);
  CHECK_TRUE(lnr_set_advertise_addr(g.h, "127.0.0.1:1"));
  CHECK_TRUE(lnr_set_advertise_addr(g.h, "")); /* so does "" */
  CHECK_STR(lnr_advertise_addr(g.h), NULL);
  CHECK_TRUE(lnr_delete_client(g.h));
}

/* -- main ------------------------------------------------------------------------------ */

int main(int argc, char** argv) {
  if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0
                    && strcmp(argv[1], "redis") != 0)) {
    fprintf(stderr, "usage: %s sqlite|postgres|redis\n", argv[0]);
    return 2;
  }
  const char* kind = argv[1];
  setvbuf(stdout, NULL, _IONBF, 0);

  test_versions();
  test_knobs();
  test_log_sink();

  backend store;
  backend_open(&store, kind);

  struct {
    const char* name;
    void (*run)(backend* store);
  } tests[] = {
    {"construction", test_construction},
    {"bad handles", test_bad_handles},
    {"exchange", test_exchange},
    {"addresses", test_addresses},
    {"bad arguments", test_bad_arguments},
    {"error codes", test_error_codes},
    {"store errors", test_store_errors},
    {"busy and pending", test_busy_and_pending},
    {"delete from callbacks", test_delete_from_callbacks},
    {"delete while in use", test_delete_while_in_use},
    {"stats", test_stats},
  };
  for (size_t i = 0; i < sizeof tests / sizeof *tests; ++i) {
    printf("[ RUN  ] %s (%s)\n", tests[i].name, kind);
    tests[i].run(&store);
    printf("[  OK  ] %s\n", tests[i].name);
  }

  backend_close(&store);
  CHECK_TRUE(lnr_set_log_cb(NULL, NULL));
  log_clear();
  printf("all C API tests passed (%s)\n", kind);
  return 0;
}

