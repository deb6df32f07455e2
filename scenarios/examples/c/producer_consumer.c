/*
 * producer_consumer: two producers hand out jobs to two consumers.
 *
 * Both consumers subscribe to the topic "jobs" (each also has a topic of
 * its own). Each producer, on its own topic, sends its jobs with
 * lnr_send_to("jobs", ...): every job goes to ONE address of "jobs", taking
 * turns (round robin), so the consumers share the work. All peers are
 * clients in this one process, on one SQLite file: argv[1], or
 * liner-example.db in the current directory (deleted first, for a clean
 * run). Exits 0 if every job arrived and each consumer did half of them,
 * 1 if not.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, used by example_helpers.h */
#include <liner.h>

#include <stdatomic.h>
#include <stdio.h>

#include "example_helpers.h"

#define PRODUCERS 2
#define CONSUMERS 2
#define JOBS_EACH 4 /* jobs per producer */

typedef struct {
  char name[16];  /* unique name, and its own topic */
  lnr_hClient client;
  atomic_int jobs_done; /* written by the consumer's thread, read by main() */
} consumer;

static consumer consumers[CONSUMERS] = {{"consumer-1", NULL, 0}, {"consumer-2", NULL, 0}};
static const char* producer_names[PRODUCERS] = {"producer-1", "producer-2"};
static example_counter received = EXAMPLE_COUNTER_INIT;

/* Runs on the consumer's own thread, once per job; `udata` is the consumer
 * given to lnr_run, `from` the producer's topic, `to` is "jobs". */
static void consumer_receives(const char* to, const char* from, const char* data, size_t size,
                              lnr_uData udata) {
  consumer* me = udata;
  printf("%s got \"%.*s\" from %s (sent to topic %s)\n", me->name, (int)size, data, from, to);
  atomic_fetch_add(&me->jobs_done, 1);
  example_count(&received);
}

/* Producers only send, but a running client needs a receive callback. */
static void producer_receives(const char* to, const char* from, const char* data, size_t size,
                              lnr_uData udata) {
  (void)udata;
  printf("a producer got \"%.*s\" from %s (sent to topic %s)\n", (int)size, data, from, to);
}

int main(int argc, char** argv) {
  const char* db = argc > 1 ? argv[1] : "liner-example.db";
  example_fresh_db(db);
  const int expected = PRODUCERS * JOBS_EACH;
  int got = 0, fair = 0;
  lnr_hClient producers[PRODUCERS] = {NULL, NULL};

  for (int i = 0; i < CONSUMERS; ++i) {
    consumer* c = &consumers[i];
    c->client = lnr_new_client_sqlite(c->name, c->name, "127.0.0.1:0", db, NULL);
    if (!c->client) {
      fprintf(stderr, "could not create %s (the reason is logged above)\n", c->name);
      goto done;
    }
    /* Subscribing adds the consumer's address to the topic "jobs". */
    if (!lnr_run(c->client, consumer_receives, c) || !lnr_subscribe(c->client, "jobs")) {
      fprintf(stderr, "%s: %s\n", c->name, lnr_last_error_message(c->client));
      goto done;
    }
  }

  for (int i = 0; i < PRODUCERS; ++i) {
    const char* name = producer_names[i];
    producers[i] = lnr_new_client_sqlite(name, name, "127.0.0.1:0", db, NULL);
    if (!producers[i]) {
      fprintf(stderr, "could not create %s (the reason is logged above)\n", name);
      goto done;
    }
    if (!lnr_run(producers[i], producer_receives, NULL)) {
      fprintf(stderr, "%s: %s\n", name, lnr_last_error_message(producers[i]));
      goto done;
    }
  }

  for (int i = 0; i < PRODUCERS; ++i) {
    for (int j = 1; j <= JOBS_EACH; ++j) {
      char text[64];
      int n = snprintf(text, sizeof text, "job %d of %s", j, producer_names[i]);
      /* one address of "jobs", the next one each time; at-least-once */
      if (!lnr_send_to(producers[i], "jobs", text, (size_t)n, TRUE))
        fprintf(stderr, "%s: send_to failed: %s\n", producer_names[i],
                lnr_last_error_message(producers[i]));
    }
  }

  got = example_wait_for(&received, expected, 30);
  fair = 1;
  for (int i = 0; i < CONSUMERS; ++i) {
    int done_here = atomic_load(&consumers[i].jobs_done);
    printf("%s did %d jobs\n", consumers[i].name, done_here);
    fair = fair && done_here == expected / CONSUMERS; /* round robin: half each */
  }
  printf("%s: %d of %d jobs done%s\n", got == expected && fair ? "ok" : "FAILED", got,
         expected, fair ? ", shared evenly" : ", NOT shared evenly");

done:
  /* Deleting a client stops it first (never do it inside its own callback). */
  for (int i = 0; i < PRODUCERS; ++i)
    if (producers[i])
      lnr_delete_client(producers[i]);
  for (int i = 0; i < CONSUMERS; ++i)
    if (consumers[i].client)
      lnr_delete_client(consumers[i].client);
  return got == expected && fair ? 0 : 1;
}
