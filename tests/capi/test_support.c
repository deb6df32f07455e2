#include "test_support.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* -- checks -------------------------------------------------------------------- */

void check_failed(const char* file, int line, const char* what, const char* detail) {
  fprintf(stderr, "%s:%d: CHECK failed: %s%s%s\n", file, line, what, detail ? "\n  " : "",
          detail ? detail : "");
  fflush(stderr);
  /* Clients may still run: leave without running destructors. */
  _exit(1);
}

void check_str_at(const char* file, int line, const char* what, const char* got,
                  const char* want) {
  if (got == want || (got && want && strcmp(got, want) == 0))
    return;
  char detail[1024];
  snprintf(detail, sizeof detail, "got  %s%s%s\n  want %s%s%s", got ? "\"" : "",
           got ? got : "NULL", got ? "\"" : "", want ? "\"" : "", want ? want : "NULL",
           want ? "\"" : "");
  check_failed(file, line, what, detail);
}

void check_error_at(const char* file, int line, lnr_hClient client, int code,
                    const char* message) {
  int got_code = lnr_last_error_code(client);
  const char* got_message = lnr_last_error_message(client);
  int ok = got_code == code && got_message
           && (!message || strcmp(got_message, message) == 0);
  if (ok)
    return;
  char detail[1024];
  snprintf(detail, sizeof detail, "got  %d \"%s\"\n  want %d \"%s\"", got_code,
           got_message ? got_message : "(NULL)", code, message ? message : "(any)");
  check_failed(file, line, "last error", detail);
}

int starts_with(const char* s, const char* prefix) {
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* -- log capture ------------------------------------------------------------------- */

enum { max_lines = 4096 };
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static char* lines[max_lines];
static int line_count;

static void on_log(const char* message, lnr_uData udata) {
  CHECK(udata == (void*)&line_count);
  CHECK(message != NULL);
  fprintf(stderr, "[log] %s\n", message);
  pthread_mutex_lock(&log_mutex);
  if (line_count < max_lines)
    lines[line_count++] = strdup(message);
  pthread_mutex_unlock(&log_mutex);
}

void log_capture_install(void) {
  CHECK_TRUE(lnr_set_log_cb(on_log, &line_count));
}

static int ends_with(const char* s, const char* suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

int log_count(const char* message) {
  char suffix[1024];
  snprintf(suffix, sizeof suffix, ": %s", message);
  int n = 0;
  pthread_mutex_lock(&log_mutex);
  for (int i = 0; i < line_count; ++i)
    if (starts_with(lines[i], "Error ") && ends_with(lines[i], suffix))
      ++n;
  pthread_mutex_unlock(&log_mutex);
  return n;
}

int log_count_containing(const char* text) {
  int n = 0;
  pthread_mutex_lock(&log_mutex);
  for (int i = 0; i < line_count; ++i)
    if (strstr(lines[i], text))
      ++n;
  pthread_mutex_unlock(&log_mutex);
  return n;
}

void log_last(char* buf, size_t size) {
  pthread_mutex_lock(&log_mutex);
  snprintf(buf, size, "%s", line_count ? lines[line_count - 1] : "");
  pthread_mutex_unlock(&log_mutex);
}

void log_clear(void) {
  pthread_mutex_lock(&log_mutex);
  for (int i = 0; i < line_count; ++i)
    free(lines[i]);
  line_count = 0;
  pthread_mutex_unlock(&log_mutex);
}

/* -- waiting ------------------------------------------------------------------------- */

static pthread_mutex_t state_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t state_cond = PTHREAD_COND_INITIALIZER;

void state_lock(void) {
  pthread_mutex_lock(&state_mutex);
}

void state_unlock(void) {
  pthread_mutex_unlock(&state_mutex);
}

void state_changed(void) {
  pthread_cond_broadcast(&state_cond);
}

int wait_until(int (*pred)(void* arg), void* arg) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 30;
  int result = 0;
  pthread_mutex_lock(&state_mutex);
  for (;;) {
    if (pred(arg)) {
      result = 1;
      break;
    }
    if (pthread_cond_timedwait(&state_cond, &state_mutex, &deadline) != 0 && !pred(arg))
      break; /* timed out */
  }
  pthread_mutex_unlock(&state_mutex);
  return result;
}

/* -- stores ---------------------------------------------------------------------------- */

static void ignore_notice(void* arg, const char* message) {
  (void)arg, (void)message; /* "drop cascades to ..." */
}

static void pg_exec(const char* url, const char* sql) {
  PGconn* conn = PQconnectdb(url);
  if (PQstatus(conn) != CONNECTION_OK)
    check_failed(__FILE__, __LINE__, "connecting to PostgreSQL", PQerrorMessage(conn));
  PQsetNoticeProcessor(conn, ignore_notice, NULL);
  PGresult* res = PQexec(conn, sql);
  if (PQresultStatus(res) != PGRES_COMMAND_OK)
    check_failed(__FILE__, __LINE__, sql, PQerrorMessage(conn));
  PQclear(res);
  PQfinish(conn);
}

/* Redis: one command as the server's admin (LINER_TEST_REDIS_URL's password),
   in database db; the reply's integer, or -1. Fails the test on an error reply. */
static long long redis_admin(int db, const char* fmt, ...) {
  const char* url = getenv("LINER_TEST_REDIS_URL");
  if (!url || !*url)
    check_failed(__FILE__, __LINE__, "LINER_TEST_REDIS_URL is not set",
                 "start a server with: export LINER_TEST_REDIS_URL=$(scripts/redis start)");
  char pass[256] = "", host[256] = "";
  int port = 6379;
  if (sscanf(url, "redis://:%255[^@]@%255[^:]:%d", pass, host, &port) != 3)
    check_failed(__FILE__, __LINE__, "LINER_TEST_REDIS_URL is not redis://:PASS@HOST:PORT/DB", url);
  struct timeval tv = {10, 0};
  redisContext* c = redisConnectWithTimeout(host, port, tv);
  if (!c || c->err)
    check_failed(__FILE__, __LINE__, "connecting to Redis", c ? c->errstr : "out of memory");
  redisReply* r = redisCommand(c, "AUTH %s", pass);
  CHECK(r && r->type != REDIS_REPLY_ERROR);
  freeReplyObject(r);
  r = redisCommand(c, "SELECT %d", db);
  CHECK(r && r->type != REDIS_REPLY_ERROR);
  freeReplyObject(r);
  va_list ap;
  va_start(ap, fmt);
  r = redisvCommand(c, fmt, ap);
  va_end(ap);
  if (!r || r->type == REDIS_REPLY_ERROR)
    check_failed(__FILE__, __LINE__, fmt, r ? r->str : c->errstr);
  long long out = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
  freeReplyObject(r);
  redisFree(c);
  return out;
}

/* A database of its own and an ACL user of its own, so that backend_break
   can make every command of this backend's clients fail (NOPERM). */
static void redis_open(backend* b) {
  static int counter;
  b->redis = 1;
  b->port_db = (int)(1 + redis_admin(0, "INCR liner_test:next_db") % 9999);
  snprintf(b->redis_user, sizeof b->redis_user, "capi_%d_%d", (int)getpid(), counter++);
  redis_admin(0, "ACL SETUSER %s reset on >capi ~* &* +@all", b->redis_user);
  redis_admin(b->port_db, "FLUSHDB");
  const char* url = getenv("LINER_TEST_REDIS_URL");
  char host[256] = "";
  int port = 6379;
  sscanf(url, "redis://:%*[^@]@%255[^:]:%d", host, &port);
  snprintf(b->location, sizeof b->location, "redis://%s:capi@%s:%d/%d", b->redis_user, host, port,
           b->port_db);
}

void backend_open(backend* b, const char* kind) {
  static int counter;
  memset(b, 0, sizeof *b);
  if (strcmp(kind, "redis") == 0) {
    redis_open(b);
    return;
  }
  if (strcmp(kind, "sqlite") == 0) {
    snprintf(b->dir, sizeof b->dir, "/tmp/liner-capi-XXXXXX");
    CHECK(mkdtemp(b->dir) != NULL);
    snprintf(b->location, sizeof b->location, "%s/liner.db", b->dir);
    return;
  }
  if (strcmp(kind, "postgres") != 0)
    check_failed(__FILE__, __LINE__, "backend kind", kind);
  b->postgres = 1;
  const char* url = getenv("LINER_TEST_POSTGRES_URL");
  if (!url || !*url)
    check_failed(__FILE__, __LINE__, "LINER_TEST_POSTGRES_URL is not set",
                 "start a server with: export LINER_TEST_POSTGRES_URL=$(scripts/pg start)");
  snprintf(b->base_url, sizeof b->base_url, "%s", url);
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  snprintf(b->schema, sizeof b->schema, "capi_test_%d_%d_%d", (int)getpid(), counter++,
           rand() % 100000);
  char sql[256];
  snprintf(sql, sizeof sql, "CREATE SCHEMA %s", b->schema);
  pg_exec(b->base_url, sql);
  int uri = starts_with(url, "postgresql://") || starts_with(url, "postgres://");
  if (uri)
    snprintf(b->location, sizeof b->location, "%s%soptions=-csearch_path%%3D%s", url,
             strchr(url, '?') ? "&" : "?", b->schema);
  else
    snprintf(b->location, sizeof b->location, "%s options='-csearch_path=%s'", url, b->schema);
}

lnr_hClient backend_client(backend* b, const char* unique_name, const char* topic) {
  return backend_client_at(b, unique_name, topic, "127.0.0.1:0");
}

lnr_hClient backend_client_at(backend* b, const char* unique_name, const char* topic,
                              const char* localhost) {
  if (b->redis)
    return lnr_new_client_redis(unique_name, topic, localhost, b->location);
  if (b->postgres)
    return lnr_new_client_postgres(unique_name, topic, localhost, b->location);
  return lnr_new_client_sqlite(unique_name, topic, localhost, b->location, NULL);
}

void backend_break(backend* b) {
  if (b->redis) { /* no command allowed any more, on new connections too */
    redis_admin(0, "ACL SETUSER %s -@all", b->redis_user);
    redis_admin(0, "CLIENT KILL USER %s", b->redis_user);
    return;
  }
  const char* sql = "DROP TABLE topic_addr; DROP TABLE sender_listener;";
  if (b->postgres) {
    /* CASCADE: the operator views depend on the tables. */
    pg_exec(b->location, "DROP TABLE topic_addr CASCADE; DROP TABLE sender_listener CASCADE;");
    return;
  }
  sqlite3* db = NULL;
  CHECK(sqlite3_open(b->location, &db) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* error = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK)
    check_failed(__FILE__, __LINE__, sql, error);
  sqlite3_close(db);
}

void backend_close(backend* b) {
  if (b->redis) {
    redis_admin(0, "ACL DELUSER %s", b->redis_user);
    redis_admin(b->port_db, "FLUSHDB");
    return;
  }
  if (b->postgres) {
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", b->schema);
    pg_exec(b->base_url, sql);
    return;
  }
  static const char* suffixes[] = {"", "-wal", "-shm", "-journal"};
  char path[2100];
  for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; ++i) {
    snprintf(path, sizeof path, "%s%s", b->location, suffixes[i]);
    unlink(path);
  }
  CHECK(rmdir(b->dir) == 0);
}

/* -- network ------------------------------------------------------------------------------- */

int silent_listener(char* addr, size_t size) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(fd, (struct sockaddr*)&sa, sizeof sa) == 0);
  CHECK(listen(fd, 16) == 0);
  socklen_t len = sizeof sa;
  CHECK(getsockname(fd, (struct sockaddr*)&sa, &len) == 0);
  snprintf(addr, size, "127.0.0.1:%d", (int)ntohs(sa.sin_port));
  return fd;
}
