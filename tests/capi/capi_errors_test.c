/*
 * Failures: constructors, bad handles, bad arguments and every error code
 * a client call can set.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "capi_tests.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The call fails and logs `message` exactly once. */
#define EXPECT_LOGGED(call_expr, failed, message)   \
  do {                                              \
    log_clear();                                    \
    CHECK(failed(call_expr));                       \
    CHECK(log_count(message) == 1);                 \
  } while (0)

#define IS_NULL(x) ((x) == NULL)
#define IS_FALSE(x) ((x) == 0)

/* -- constructors -------------------------------------------------------------- */

static void test_new_sqlite(backend* lite) {
  const char* path = lite->location;
  const char* local = "127.0.0.1:0";
  EXPECT_LOGGED(lnr_new_client_sqlite(NULL, "t", local, path, NULL), IS_NULL,
                "null pointer argument");
  EXPECT_LOGGED(lnr_new_client_sqlite("n", NULL, local, path, NULL), IS_NULL,
                "null pointer argument");
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "t", NULL, path, NULL), IS_NULL,
                "null pointer argument");
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "t", local, NULL, NULL), IS_NULL,
                "null pointer argument");
  EXPECT_LOGGED(lnr_new_client_sqlite("", "t", local, path, NULL), IS_NULL, "unique_name empty");
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "", local, path, NULL), IS_NULL, "topic empty");
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "t", "", path, NULL), IS_NULL, "localhost empty");
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "t", local, "", NULL), IS_NULL, "store_path empty");
  EXPECT_LOGGED(lnr_new_client_sqlite("\xff", "t", local, path, NULL), IS_NULL,
                "unique_name invalid UTF-8");
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "\xc0\x80", local, path, NULL), IS_NULL,
                "topic invalid UTF-8"); /* overlong NUL */
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "t", "\xed\xa0\x80", path, NULL), IS_NULL,
                "localhost invalid UTF-8"); /* a surrogate */
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "t", local, "x\xf4\x90\x80\x80", NULL), IS_NULL,
                "store_path invalid UTF-8"); /* above U+10FFFF */
  EXPECT_LOGGED(lnr_new_client_sqlite("n", "t", local, path, "[\xe2\x82]"), IS_NULL,
                "receivers_json invalid UTF-8"); /* truncated sequence */

  log_clear();
  CHECK(lnr_new_client_sqlite("n", "t", local, path, "{") == NULL);
  CHECK(log_count_containing(": receivers_json parse error: ") == 1);
  log_clear();
  CHECK(lnr_new_client_sqlite("n", "t", local, path, "[{\"topic\": 1}]") == NULL);
  CHECK(log_count_containing(": receivers_json parse error: ") == 1);

  /* A store that cannot be opened: below a regular file. */
  char file[400], bad[500];
  snprintf(file, sizeof file, "%s/not-a-dir", lite->dir);
  int fd = open(file, O_CREAT | O_WRONLY, 0644);
  CHECK(fd >= 0);
  close(fd);
  snprintf(bad, sizeof bad, "%s/liner.db", file);
  log_clear();
  CHECK(lnr_new_client_sqlite("n", "t", local, bad, NULL) == NULL);
  CHECK(log_count_containing(": could not create the client: ") == 1);
  /* The reason is also there for the caller, on this thread. */
  CHECK(lnr_creation_error_code() == LNR_ERR_STORE);
  CHECK(strstr(lnr_creation_error_message(), "could not create the client: ") != NULL);
  CHECK(strstr(lnr_creation_error_message(), "unable to open database file") != NULL);
  unlink(file);

  /* Accepted: multi-byte UTF-8, blank or empty receivers, a real seed. */
  lnr_hClient h = lnr_new_client_sqlite("n\xc3\xbc-\xe5\x90\x8d", "t\xf0\x9f\x93\xa6", local,
                                        path, "  \n ");
  CHECK(h != NULL);
  CHECK(lnr_creation_error_code() == LNR_OK);
  CHECK_STR(lnr_creation_error_message(), "");
  CHECK_TRUE(lnr_delete_client(h));
  h = lnr_new_client_sqlite("n", "t", local, path, "[]");
  CHECK(h != NULL);
  CHECK_TRUE(lnr_delete_client(h));
  h = lnr_new_client_sqlite(
    "n", "t", local, path,
    "[{\"topic\":\"seeded\",\"addr\":\"127.0.0.1:1\",\"client_name\":\"s1\",\"topic_key\":3}]");
  CHECK(h != NULL);
  row_counter rows = {0};
  CHECK_TRUE(lnr_list_addresses(h, "seeded", count_rows, &rows));
  CHECK(rows.n == 1);
  CHECK_TRUE(lnr_delete_client(h));
  h = lnr_new_client_sqlite("mem", "t", local, ":memory:", NULL);
  CHECK(h != NULL);
  CHECK_TRUE(lnr_delete_client(h));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void test_new_redis(void) {
  const char* local = "127.0.0.1:0";
  const char* url = "redis://127.0.0.1:1/"; /* nothing listens there */
  const char* refused =
    "could not create the client: cannot connect to Redis at 127.0.0.1:1 db 0: Connection refused";
  EXPECT_LOGGED(lnr_new_client_redis("n", "t", local, url), IS_NULL, refused);
  EXPECT_LOGGED(lnr_new_client("n", "t", local, url), IS_NULL, refused);
  CHECK(lnr_creation_error_code() == LNR_ERR_STORE);
  CHECK_STR(lnr_creation_error_message(), refused);
  const char* bad_url = "could not create the client: invalid Redis URL 'localhost:6379': expected "
                        "redis://host[:port][/db] or unix:///path";
  EXPECT_LOGGED(lnr_new_client_redis("n", "t", local, "localhost:6379"), IS_NULL, bad_url);
  CHECK(lnr_creation_error_code() == LNR_ERR_INVALID_ARG);
  EXPECT_LOGGED(lnr_new_client_redis(NULL, "t", local, url), IS_NULL, "null pointer argument");
  EXPECT_LOGGED(lnr_new_client_redis("n", "t", local, NULL), IS_NULL, "null pointer argument");
  EXPECT_LOGGED(lnr_new_client_redis("", "t", local, url), IS_NULL, "unique_name empty");
  EXPECT_LOGGED(lnr_new_client("n", "", local, url), IS_NULL, "topic empty");
  EXPECT_LOGGED(lnr_new_client_redis("n", "t", "", url), IS_NULL, "localhost empty");
  EXPECT_LOGGED(lnr_new_client_redis("n", "t", local, ""), IS_NULL, "redis_url empty");
}
#pragma GCC diagnostic pop

static void test_new_postgres(void) {
  const char* local = "127.0.0.1:0";
  /* An empty URL means libpq's PG* variables: here they lead to port 1. */
  setenv("PGHOST", "127.0.0.1", 1);
  setenv("PGPORT", "1", 1);
  log_clear();
  CHECK(lnr_new_client_postgres("n", "t", local, "") == NULL);
  CHECK(log_count_containing("could not create the client: postgres: cannot open store") == 1);
  CHECK(log_count_containing("port 1 failed") == 1);
  unsetenv("PGHOST");
  unsetenv("PGPORT");
  EXPECT_LOGGED(lnr_new_client_postgres("n", "t", local, NULL), IS_NULL,
                "null pointer argument");
  EXPECT_LOGGED(lnr_new_client_postgres("", "t", local, "postgresql://x@127.0.0.1:1/x"),
                IS_NULL, "unique_name empty");
  EXPECT_LOGGED(lnr_new_client_postgres("n", "t", local, "postgresql://x@127.0.0.1:1/\xff"),
                IS_NULL, "postgres_url invalid UTF-8");
  /* Nothing listens on port 1: the connection is refused. */
  log_clear();
  CHECK(lnr_new_client_postgres("n", "t", local, "postgresql://x@127.0.0.1:1/x") == NULL);
  CHECK(log_count_containing(": could not create the client: ") == 1);
  CHECK(log_count_containing("\n") == 0 && log_count_containing("\t") == 0); /* one line */
}

void test_construction(backend* store) {
  (void)store;
  backend lite;
  backend_open(&lite, "sqlite");
  test_new_sqlite(&lite);
  backend_close(&lite);
  test_new_redis();
  test_new_postgres();
}

/* -- handles ------------------------------------------------------------------------- */

static void ignore_addr(const char* addr, const char* name, lnr_uData u) {
  (void)addr, (void)name, (void)u;
  CHECK(!"called for a bad handle");
}

static void ignore_pending(const char* addr, const char* topic, const char* name,
                           long long count, lnr_uData u) {
  (void)addr, (void)topic, (void)name, (void)count, (void)u;
  CHECK(!"called for a bad handle");
}

static void ignore_message(const char* to, const char* from, const char* data, size_t size,
                           lnr_uData u) {
  (void)to, (void)from, (void)data, (void)size, (void)u;
}

static void ignore_status(int kind, const char* topic, const char* peer_name,
                          const char* message, lnr_uData u) {
  (void)kind, (void)topic, (void)peer_name, (void)message, (void)u;
}

/* Every call taking a handle fails on h; returns how many calls were made. */
static int all_calls_fail(lnr_hClient h) {
  CHECK_FALSE(lnr_run(h, ignore_message, NULL));
  CHECK_FALSE(lnr_stop(h));
  CHECK_FALSE(lnr_is_running(h));
  CHECK_FALSE(lnr_send_to(h, "t", "x", 1, TRUE));
  CHECK_FALSE(lnr_send_all(h, "t", "x", 1, TRUE));
  CHECK_FALSE(lnr_subscribe(h, "t"));
  CHECK_FALSE(lnr_unsubscribe(h, "t"));
  CHECK_FALSE(lnr_refresh_address_topic(h, "t"));
  CHECK_FALSE(lnr_clear_stored_messages(h));
  CHECK_FALSE(lnr_clear_addresses_of_topic(h));
  CHECK_FALSE(lnr_set_status_cb(h, ignore_status, NULL));
  CHECK_FALSE(lnr_list_addresses(h, "t", ignore_addr, NULL));
  CHECK(lnr_pending_count(h) == -1);
  CHECK_FALSE(lnr_pending_by_peer(h, ignore_pending, NULL));
  CHECK_FALSE(lnr_set_advertise_addr(h, "127.0.0.1:1"));
  CHECK(lnr_advertise_addr(h) == NULL);
  CHECK(lnr_bound_listen_addr(h) == NULL);
  CHECK(lnr_published_addr(h) == NULL);
  CHECK_FALSE(lnr_set_durable(h, TRUE));
  CHECK(lnr_last_error_code(h) == LNR_OK);
  CHECK(lnr_last_error_message(h) == NULL);
  return 21;
}

void test_bad_handles(backend* store) {
  /* NULL: every call logs "client was not created". */
  log_clear();
  int calls = all_calls_fail(NULL);
  CHECK(log_count("client was not created") == calls);
  EXPECT_LOGGED(lnr_delete_client(NULL), IS_FALSE, "client was not created");

  /* Deleted or made-up handles fail silently, except delete. */
  lnr_hClient h = backend_client(store, "gone", "tgone");
  CHECK(h != NULL);
  CHECK_TRUE(lnr_delete_client(h));
  log_clear();
  all_calls_fail(h);
  int made_up;
  all_calls_fail(&made_up);
  all_calls_fail((lnr_hClient)(size_t)0x7);
  char line[1024];
  log_last(line, sizeof line);
  CHECK_STR(line, "");
  EXPECT_LOGGED(lnr_delete_client(h), IS_FALSE, "client already deleted or unknown");
  EXPECT_LOGGED(lnr_delete_client(&made_up), IS_FALSE, "client already deleted or unknown");

  /* Handles are never reused, so an old one never reaches a new client. */
  lnr_hClient h2 = backend_client(store, "gone", "tgone");
  CHECK(h2 != NULL && h2 != h);
  CHECK_FALSE(lnr_is_running(h));
  CHECK_TRUE(lnr_delete_client(h2));
  CHECK_FALSE(lnr_delete_client(h2));
}

/* -- arguments checked before reaching the client -------------------------------------- */

/* The call is rejected with LNR_ERR_INVALID_ARG and `message`, logged once. */
#define EXPECT_REJECTED(h, call_expr, message)       \
  do {                                               \
    log_clear();                                     \
    CHECK_FALSE(call_expr);                          \
    CHECK_ERROR(h, LNR_ERR_INVALID_ARG, message);    \
    CHECK(log_count(message) == 1);                  \
  } while (0)

void test_bad_arguments(backend* store) {
  static peer j;
  peer_init(&j, store, "j", "tj");
  lnr_hClient h = j.h;

  /* Before run: a NULL receive callback is refused by the client. */
  EXPECT_REJECTED(h, lnr_run(h, NULL, NULL), "receive callback is empty");
  EXPECT_REJECTED(h, lnr_set_advertise_addr(h, "\xff:1"), "advertise address invalid UTF-8");
  peer_run(&j);
  CHECK_TRUE(lnr_run(h, NULL, NULL)); /* already running: the callback is not looked at */

  EXPECT_REJECTED(h, lnr_send_to(h, NULL, "x", 1, TRUE), "null pointer argument");
  EXPECT_REJECTED(h, lnr_send_to(h, "tx", NULL, 3, TRUE), "null pointer argument");
  EXPECT_REJECTED(h, lnr_send_to(h, "", "x", 1, TRUE), "topic name empty");
  EXPECT_REJECTED(h, lnr_send_to(h, "\xff", "x", 1, TRUE), "topic invalid UTF-8");
  /* NULL data with size 0 reaches the client, which refuses an empty payload. */
  EXPECT_REJECTED(h, lnr_send_to(h, "tx", NULL, 0, TRUE), "payload empty");
  EXPECT_REJECTED(h, lnr_send_to(h, "tx", "", 0, FALSE), "payload empty");

  EXPECT_REJECTED(h, lnr_send_all(h, NULL, "x", 1, TRUE), "null pointer argument");
  EXPECT_REJECTED(h, lnr_send_all(h, "tx", NULL, 1, TRUE), "null pointer argument");
  EXPECT_REJECTED(h, lnr_send_all(h, "", "x", 1, TRUE), "topic.is_empty()");
  EXPECT_REJECTED(h, lnr_send_all(h, "a\x80", "x", 1, TRUE), "topic invalid UTF-8");

  EXPECT_REJECTED(h, lnr_subscribe(h, NULL), "null pointer argument");
  EXPECT_REJECTED(h, lnr_subscribe(h, ""), "topic.is_empty()");
  EXPECT_REJECTED(h, lnr_subscribe(h, "\xfe"), "topic invalid UTF-8");
  EXPECT_REJECTED(h, lnr_unsubscribe(h, NULL), "null pointer argument");
  EXPECT_REJECTED(h, lnr_unsubscribe(h, ""), "topic.is_empty()");
  EXPECT_REJECTED(h, lnr_unsubscribe(h, "\xc1\xbf"), "topic invalid UTF-8");
  EXPECT_REJECTED(h, lnr_refresh_address_topic(h, NULL), "null pointer argument");
  EXPECT_REJECTED(h, lnr_refresh_address_topic(h, ""), "topic.is_empty()");
  EXPECT_REJECTED(h, lnr_refresh_address_topic(h, "\xe0\x80\x80"), "topic invalid UTF-8");
  EXPECT_REJECTED(h, lnr_list_addresses(h, NULL, NULL, NULL), "null pointer argument");
  EXPECT_REJECTED(h, lnr_list_addresses(h, "\xff", NULL, NULL), "topic invalid UTF-8");

  /* The rejection stays the last error until a call reaches the client. */
  CHECK_FALSE(lnr_is_running(NULL));
  CHECK_STR(lnr_advertise_addr(h), NULL);
  CHECK_ERROR(h, LNR_ERR_INVALID_ARG, "topic invalid UTF-8");
  CHECK_TRUE(lnr_subscribe(h, "fine"));
  CHECK_ERROR(h, LNR_OK, "");
  CHECK_TRUE(lnr_delete_client(h));
}

/* -- error codes set by the client ------------------------------------------------------- */

void test_error_codes(backend* store) {
  static peer h, other;
  peer_init(&h, store, "h", "th");
  peer_init(&other, store, "o", "to");

  /* NOT_RUNNING */
  CHECK_FALSE(lnr_send_to(h.h, "to", "x", 1, TRUE));
  CHECK_ERROR(h.h, LNR_ERR_NOT_RUNNING, "you can't send_to because client not is running");
  CHECK(log_count("you can't send_to because client not is running") >= 1);
  CHECK_FALSE(lnr_send_all(h.h, "to", "x", 1, TRUE));
  CHECK_ERROR(h.h, LNR_ERR_NOT_RUNNING, "you can't send_all because client not is running");

  /* Stopped: clearing is allowed. */
  CHECK_TRUE(lnr_clear_stored_messages(h.h));
  CHECK_ERROR(h.h, LNR_OK, "");
  CHECK_TRUE(lnr_clear_addresses_of_topic(h.h));
  CHECK_ERROR(h.h, LNR_OK, "");

  peer_run(&h);
  peer_run(&other);

  /* SELF_TOPIC and INTERNAL_TOPIC */
  CHECK_FALSE(lnr_send_to(h.h, "th", "x", 1, TRUE));
  CHECK_ERROR(h.h, LNR_ERR_SELF_TOPIC, "you can't send on your own topic");
  CHECK_FALSE(lnr_send_all(h.h, "th", "x", 1, TRUE));
  CHECK_ERROR(h.h, LNR_ERR_SELF_TOPIC, NULL);
  CHECK_FALSE(lnr_subscribe(h.h, "th"));
  CHECK_ERROR(h.h, LNR_ERR_SELF_TOPIC, "you can't subscribe on your own topic");
  CHECK_FALSE(lnr_unsubscribe(h.h, "th"));
  CHECK_ERROR(h.h, LNR_ERR_SELF_TOPIC, "you can't unsubscribe on your own topic");
  CHECK_FALSE(lnr_subscribe(h.h, "__#internal_channel"));
  CHECK_ERROR(h.h, LNR_ERR_INTERNAL_TOPIC, "you can't subscribe on internal channel topic");
  CHECK_FALSE(lnr_unsubscribe(h.h, "__#internal_channel"));
  CHECK_ERROR(h.h, LNR_ERR_INTERNAL_TOPIC, "you can't unsubscribe on internal channel topic");

  /* NO_ADDR */
  CHECK_FALSE(lnr_send_to(h.h, "nobody", "x", 1, TRUE));
  CHECK_ERROR(h.h, LNR_ERR_NO_ADDR, "not found addr for topic nobody");
  CHECK(log_count("not found addr for topic nobody") >= 1);
  CHECK_FALSE(lnr_send_all(h.h, "nobody", "x", 1, TRUE));
  CHECK_ERROR(h.h, LNR_ERR_NO_ADDR, "not found addr for topic nobody");
  CHECK_FALSE(lnr_refresh_address_topic(h.h, "nobody"));
  CHECK_ERROR(h.h, LNR_ERR_NO_ADDR, "not found addr for topic nobody");

  /* INVALID_ARG from the client: payload size. */
  CHECK_TRUE(lnr_set_max_message_size(50));
  char big[100];
  memset(big, 'x', sizeof big);
  CHECK_FALSE(lnr_send_to(h.h, "to", big, sizeof big, TRUE));
  CHECK_ERROR(h.h, LNR_ERR_INVALID_ARG,
              "payload too large for max_message_size (payload 100, framed body 121, max 50)");
  CHECK_TRUE(lnr_set_max_message_size(1073741824u));
  CHECK_TRUE(lnr_send_to(h.h, "to", big, sizeof big, TRUE));
  CHECK_ERROR(h.h, LNR_OK, "");
  wait_received(&other, 1);

  /* Compressed on the way (threshold below the payload), intact on arrival. */
  CHECK_TRUE(lnr_set_compress_threshold(10));
  CHECK_TRUE(lnr_send_to(h.h, "to", big, sizeof big, TRUE));
  CHECK_TRUE(lnr_set_compress_threshold(1048576u));
  wait_received(&other, 2);
  message m = peer_message(&other, 1);
  CHECK(m.size == sizeof big && memcmp(m.data, big, sizeof big) == 0);

  /* ALREADY_RUNNING, CLEAR_WHILE_RUNNING */
  CHECK_FALSE(lnr_set_advertise_addr(h.h, "127.0.0.1:1"));
  CHECK_ERROR(h.h, LNR_ERR_ALREADY_RUNNING,
              "you can't set_advertise_addr because client already is running");
  CHECK_FALSE(lnr_set_durable(h.h, TRUE));
  CHECK_ERROR(h.h, LNR_ERR_ALREADY_RUNNING,
              "you can't set_durable because client already is running");
  CHECK_FALSE(lnr_clear_stored_messages(h.h));
  CHECK_ERROR(h.h, LNR_ERR_CLEAR_WHILE_RUNNING,
              "you can't clear_stored_messages because client already is running");
  CHECK_FALSE(lnr_clear_addresses_of_topic(h.h));
  CHECK_ERROR(h.h, LNR_ERR_CLEAR_WHILE_RUNNING,
              "you can't clear_addresses_of_topic because client already is running");

  /* BIND: the port is in use, or the address is not one. */
  lnr_hClient clash = backend_client_at(store, "clash", "tclash", lnr_bound_listen_addr(h.h));
  CHECK(clash != NULL);
  CHECK_FALSE(lnr_run(clash, ignore_message, NULL));
  CHECK_ERROR(clash, LNR_ERR_BIND, NULL);
  CHECK(strlen(lnr_last_error_message(clash)) > 0);
  CHECK_FALSE(lnr_is_running(clash));
  CHECK_TRUE(lnr_delete_client(clash));
  clash = backend_client_at(store, "clash", "tclash", "127.0.0.1:notaport");
  CHECK(clash != NULL);
  CHECK_FALSE(lnr_run(clash, ignore_message, NULL));
  CHECK_ERROR(clash, LNR_ERR_BIND, "invalid bind address: 127.0.0.1:notaport");
  CHECK_TRUE(lnr_delete_client(clash));

  /* Clearing while stopped removes every catalog row of the topic. */
  CHECK_TRUE(lnr_stop(h.h));
  CHECK_TRUE(lnr_subscribe(h.h, "to")); /* a second row for "to", at h's address */
  row_counter rows = {0};
  CHECK_TRUE(lnr_list_addresses(other.h, "to", count_rows, &rows));
  CHECK(rows.n == 2);
  CHECK_TRUE(lnr_stop(other.h));
  CHECK_TRUE(lnr_clear_addresses_of_topic(other.h));
  CHECK_ERROR(other.h, LNR_OK, "");
  rows.n = 0;
  CHECK_TRUE(lnr_list_addresses(other.h, "to", count_rows, &rows));
  CHECK(rows.n == 0);
  CHECK_TRUE(lnr_clear_stored_messages(other.h));

  CHECK_TRUE(lnr_delete_client(h.h));
  CHECK_TRUE(lnr_delete_client(other.h));
}

/* -- STORE: a store whose tables are gone ------------------------------------------------ */

void test_store_errors(backend* store) {
  backend broken;
  backend_open(&broken, backend_kind(store));
  lnr_hClient s = backend_client(&broken, "s", "ts");
  CHECK(s != NULL);
  CHECK_TRUE(lnr_subscribe(s, "x"));
  backend_break(&broken);

  row_counter rows = {0};
  CHECK_FALSE(lnr_list_addresses(s, "x", count_rows, &rows));
  CHECK_ERROR(s, LNR_ERR_STORE, NULL);
  CHECK(strlen(lnr_last_error_message(s)) > 0);
  CHECK(rows.n == 0);
  CHECK(lnr_pending_count(s) == -1);
  CHECK_ERROR(s, LNR_ERR_STORE, NULL);
  CHECK_FALSE(lnr_pending_by_peer(s, NULL, NULL));
  CHECK_ERROR(s, LNR_ERR_STORE, NULL);
  CHECK_FALSE(lnr_refresh_address_topic(s, "x"));
  CHECK_ERROR(s, LNR_ERR_STORE, NULL);
  CHECK_FALSE(lnr_subscribe(s, "y"));
  CHECK_ERROR(s, LNR_ERR_STORE, "subscribe failed");
  CHECK_FALSE(lnr_unsubscribe(s, "x"));
  CHECK_ERROR(s, LNR_ERR_STORE, "unsubscribe failed");
  CHECK_FALSE(lnr_clear_addresses_of_topic(s));
  CHECK_ERROR(s, LNR_ERR_STORE, NULL);
  CHECK_FALSE(lnr_run(s, ignore_message, NULL));
  CHECK_ERROR(s, LNR_ERR_STORE, NULL);
  CHECK_FALSE(lnr_is_running(s));
  CHECK_TRUE(lnr_delete_client(s));
  backend_close(&broken);
}
