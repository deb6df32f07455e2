/*
 * example_helpers.h: the two chores every C example shares.
 *
 * - example_counter: the receive callbacks run on the clients' own threads;
 *   they count each message here, and main() waits (on a condition variable,
 *   with a deadline) until all the messages it expects have arrived.
 * - example_fresh_db: delete the SQLite file (and its -wal/-shm companions)
 *   so that every run starts from an empty store.
 *
 * Needs _POSIX_C_SOURCE >= 200809L (clock_gettime), defined before the first
 * #include of the program.
 */
#ifndef EXAMPLE_HELPERS_H
#define EXAMPLE_HELPERS_H

#include <pthread.h>
#include <stdio.h>
#include <time.h>

typedef struct {
  pthread_mutex_t mutex;
  pthread_cond_t changed;
  int count;
} example_counter;

#define EXAMPLE_COUNTER_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0}

/* One more message arrived (called from a receive callback, any thread). */
static inline void example_count(example_counter* counter) {
  pthread_mutex_lock(&counter->mutex);
  counter->count++;
  pthread_cond_broadcast(&counter->changed);
  pthread_mutex_unlock(&counter->mutex);
}

/* Waits until `expected` messages were counted, or `seconds` have passed.
 * Returns how many were counted. */
static inline int example_wait_for(example_counter* counter, int expected, int seconds) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += seconds;
  pthread_mutex_lock(&counter->mutex);
  while (counter->count < expected &&
         pthread_cond_timedwait(&counter->changed, &counter->mutex, &deadline) == 0) {
  }
  int count = counter->count;
  pthread_mutex_unlock(&counter->mutex);
  return count;
}

/* Deletes the SQLite file `path` and the files SQLite keeps next to it. */
static inline void example_fresh_db(const char* path) {
  const char* suffixes[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; ++i) {
    char name[4096];
    snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
    remove(name); /* a missing file is fine */
  }
}

#endif /* EXAMPLE_HELPERS_H */
