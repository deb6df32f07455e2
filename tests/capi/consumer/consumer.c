/* A consumer of the installed libliner: two clients on one SQLite file
 * exchange a message. Usage: consumer DB_PATH */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <liner.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int received;

static void on_message(const char* to, const char* from, const char* data, size_t size,
                       lnr_uData udata) {
  (void)udata;
  printf("%s <- %s: %.*s\n", to, from, (int)size, data);
  pthread_mutex_lock(&mutex);
  received = 1;
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&mutex);
}

int main(int argc, char** argv) {
  if (argc != 2)
    return 2;
  printf("liner-caf %s (liner %s)\n", lnr_version(), lnr_liner_version());
  lnr_hClient rx = lnr_new_client_sqlite("rx-1", "rx", "127.0.0.1:0", argv[1], NULL);
  lnr_hClient tx = lnr_new_client_sqlite("tx-1", "tx", "127.0.0.1:0", argv[1], NULL);
  if (!rx || !tx || !lnr_run(rx, on_message, NULL) || !lnr_run(tx, on_message, NULL))
    return 1;
  if (!lnr_send_to(tx, "rx", "hello", 5, TRUE)) {
    fprintf(stderr, "send_to: %s\n", lnr_last_error_message(tx));
    return 1;
  }
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 30;
  pthread_mutex_lock(&mutex);
  while (!received && pthread_cond_timedwait(&cond, &mutex, &deadline) == 0)
    ;
  int ok = received;
  pthread_mutex_unlock(&mutex);
  lnr_delete_client(tx);
  lnr_delete_client(rx);
  return ok ? 0 : 1;
}
