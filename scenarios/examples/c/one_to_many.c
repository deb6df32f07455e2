/*
 * one_to_many: a publisher sends each headline to every reader of "news".
 *
 * Three readers subscribe to the topic "news" (each also has a topic of its
 * own); the publisher calls lnr_send_all("news", ...), which sends one copy
 * to every address of the topic. All peers are clients in this one process,
 * on one SQLite file: argv[1], or liner-example.db in the current directory
 * (deleted first, for a clean run). Exits 0 if every reader got every
 * headline, 1 if not.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, used by example_helpers.h */
#include <liner.h>

#include <stdio.h>

#include "example_helpers.h"

#define READERS 3
#define HEADLINES 2

typedef struct {
  char name[16];  /* unique name, and its own topic */
  lnr_hClient client;
} reader;

static reader readers[READERS] = {{"reader-1", NULL}, {"reader-2", NULL}, {"reader-3", NULL}};
static example_counter received = EXAMPLE_COUNTER_INIT;

/* Runs on the reader's own thread, once per message; `udata` is the reader
 * given to lnr_run. `to` is "news" here: the topic the message was sent to. */
static void reader_receives(const char* to, const char* from, const char* data, size_t size,
                            lnr_uData udata) {
  const reader* me = udata;
  printf("%s got \"%.*s\" from %s (sent to topic %s)\n", me->name, (int)size, data, from, to);
  example_count(&received);
}

/* The publisher only sends, but a running client needs a receive callback. */
static void publisher_receives(const char* to, const char* from, const char* data, size_t size,
                               lnr_uData udata) {
  (void)udata;
  printf("publisher got \"%.*s\" from %s (sent to topic %s)\n", (int)size, data, from, to);
}

int main(int argc, char** argv) {
  const char* db = argc > 1 ? argv[1] : "liner-example.db";
  example_fresh_db(db);
  const int expected = READERS * HEADLINES;
  int got = 0;
  lnr_hClient publisher = NULL;

  for (int i = 0; i < READERS; ++i) {
    reader* r = &readers[i];
    r->client = lnr_new_client_sqlite(r->name, r->name, "127.0.0.1:0", db, NULL);
    if (!r->client) {
      fprintf(stderr, "could not create %s (the reason is logged above)\n", r->name);
      goto done;
    }
    /* Subscribing adds the reader's address to the topic "news". */
    if (!lnr_run(r->client, reader_receives, r) || !lnr_subscribe(r->client, "news")) {
      fprintf(stderr, "%s: %s\n", r->name, lnr_last_error_message(r->client));
      goto done;
    }
  }

  publisher = lnr_new_client_sqlite("publisher", "publisher", "127.0.0.1:0", db, NULL);
  if (!publisher) {
    fprintf(stderr, "could not create the publisher (the reason is logged above)\n");
    goto done;
  }
  if (!lnr_run(publisher, publisher_receives, NULL)) {
    fprintf(stderr, "publisher: %s\n", lnr_last_error_message(publisher));
    goto done;
  }

  for (int h = 1; h <= HEADLINES; ++h) {
    char text[64];
    int n = snprintf(text, sizeof text, "headline %d", h);
    /* one copy for each address of "news"; TRUE: at-least-once delivery */
    if (!lnr_send_all(publisher, "news", text, (size_t)n, TRUE))
      fprintf(stderr, "send_all failed: %s\n", lnr_last_error_message(publisher));
  }

  got = example_wait_for(&received, expected, 30);
  printf("%s: the readers got %d of %d copies\n", got == expected ? "ok" : "FAILED", got,
         expected);

done:
  /* Deleting a client stops it first (never do it inside its own callback). */
  if (publisher)
    lnr_delete_client(publisher);
  for (int i = 0; i < READERS; ++i)
    if (readers[i].client)
      lnr_delete_client(readers[i].client);
  return got == expected ? 0 : 1;
}
