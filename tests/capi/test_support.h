/*
 * Support for the C API test (C11): checks, captured log lines, waiting on
 * callbacks with a condition variable, and real stores (a fresh SQLite file,
 * or a fresh schema in the PostgreSQL server of LINER_TEST_POSTGRES_URL).
 */
#ifndef LINER_CAPI_TEST_SUPPORT_H
#define LINER_CAPI_TEST_SUPPORT_H

#include <liner.h>

#include <stddef.h>

/* -- checks: the first failure ends the program ------------------------------ */

void check_failed(const char* file, int line, const char* what, const char* detail);

#define CHECK(cond)                                          \
  do {                                                       \
    if (!(cond))                                             \
      check_failed(__FILE__, __LINE__, #cond, NULL);         \
  } while (0)

/* BOOL results must be exactly 1 or 0. */
#define CHECK_TRUE(expr) CHECK((expr) == 1)
#define CHECK_FALSE(expr) CHECK((expr) == 0)

/* Two C strings are equal (either may be NULL). */
void check_str_at(const char* file, int line, const char* what, const char* got,
                  const char* want);
#define CHECK_STR(got, want) check_str_at(__FILE__, __LINE__, #got, (got), (want))

/* The client's last error is `code` with message `message` (NULL: any text). */
void check_error_at(const char* file, int line, lnr_hClient client, int code,
                    const char* message);
#define CHECK_ERROR(client, code, message) \
  check_error_at(__FILE__, __LINE__, (client), (code), (message))

/* Whether `s` starts with `prefix`. */
int starts_with(const char* s, const char* prefix);

/* -- log lines, captured through lnr_set_log_cb ------------------------------- */

void log_capture_install(void);
/* Number of captured lines ending in ": <message>" (the hook's format is
 * "<Level> <client name or liner>: <message>"). */
int log_count(const char* message);
/* Number of captured lines containing `text`. */
int log_count_containing(const char* text);
/* A copy of the last captured line ("" if none) into buf. */
void log_last(char* buf, size_t size);
void log_clear(void);

/* -- waiting for callbacks ------------------------------------------------------ */

/* State shared with callbacks is read and written under this lock; writers
 * call state_changed() (under the lock) so that waiters re-check. */
void state_lock(void);
void state_unlock(void);
void state_changed(void);
/* Waits (generously, 30 s) until pred(arg) is true; pred runs under the
 * lock. Returns 1 if it became true, 0 on timeout. */
int wait_until(int (*pred)(void* arg), void* arg);

/* -- stores ---------------------------------------------------------------------- */

typedef struct backend {
  int postgres;
  int redis;
  char redis_user[64];    /* redis: an ACL user of this backend (backend_break revokes it) */
  int port_db;            /* redis: the database number of this backend */
  char dir[256];          /* sqlite: the temporary folder */
  char location[2048];    /* sqlite: the file; postgres: the URL with the schema */
  char base_url[1024];    /* postgres: LINER_TEST_POSTGRES_URL */
  char schema[64];        /* postgres: the schema of this backend */
} backend;

/* kind is "sqlite", "postgres" or "redis"; each backend is a separate, empty store
   (redis: a database of its own on LINER_TEST_REDIS_URL's server). */
#define backend_kind(b) ((b)->postgres ? "postgres" : (b)->redis ? "redis" : "sqlite")
void backend_open(backend* b, const char* kind);
/* A client on this store listening on 127.0.0.1:0 (NULL on failure). */
lnr_hClient backend_client(backend* b, const char* unique_name, const char* topic);
/* The same, listening on `localhost`. */
lnr_hClient backend_client_at(backend* b, const char* unique_name, const char* topic,
                              const char* localhost);
/* Drops the catalog and listener tables: later store calls fail. */
void backend_break(backend* b);
void backend_close(backend* b);

/* -- network ------------------------------------------------------------------------ */

/* A listening socket on 127.0.0.1 that never accepts nor reads: a peer that
 * never acknowledges. Writes "127.0.0.1:<port>" into addr; returns the fd. */
int silent_listener(char* addr, size_t size);

#endif
