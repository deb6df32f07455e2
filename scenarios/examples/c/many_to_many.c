/*
 * many_to_many: alice, bob and carol each send a message to the two others.
 *
 * Every peer sends with lnr_send_to to the others' topics, and receives on
 * its own. All peers are clients in this one process, on one SQLite file:
 * argv[1], or liner-example.db in the current directory (deleted first, for
 * a clean run). Exits 0 if all six messages arrived, 1 if not.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, used by example_helpers.h */
#include <liner.h>

#include <stdio.h>

#include "example_helpers.h"

#define PEERS 3

typedef struct {
  char name[16];  /* unique name, and its own topic */
  lnr_hClient client;
} peer;

static peer peers[PEERS] = {{"alice", NULL}, {"bob", NULL}, {"carol", NULL}};
static example_counter received = EXAMPLE_COUNTER_INIT;

/* Runs on the receiving peer's own thread, once per message; `udata` is the
 * peer given to lnr_run, `from` the sender's topic. */
static void peer_receives(const char* to, const char* from, const char* data, size_t size,
                          lnr_uData udata) {
  const peer* me = udata;
  printf("%s got \"%.*s\" from %s (sent to topic %s)\n", me->name, (int)size, data, from, to);
  example_count(&received);
}

int main(int argc, char** argv) {
  const char* db = argc > 1 ? argv[1] : "liner-example.db";
  example_fresh_db(db);
  const int expected = PEERS * (PEERS - 1);
  int got = 0;

  for (int i = 0; i < PEERS; ++i) {
    peer* p = &peers[i];
    p->client = lnr_new_client_sqlite(p->name, p->name, "127.0.0.1:0", db, NULL);
    if (!p->client) {
      fprintf(stderr, "could not create %s (the reason is logged above)\n", p->name);
      goto done;
    }
    if (!lnr_run(p->client, peer_receives, p)) {
      fprintf(stderr, "%s: %s\n", p->name, lnr_last_error_message(p->client));
      goto done;
    }
  }

  /* Everyone is running (so in the store): each one greets the two others. */
  for (int i = 0; i < PEERS; ++i) {
    for (int j = 0; j < PEERS; ++j) {
      if (i == j)
        continue; /* sending to your own topic is refused */
      char text[64];
      int n = snprintf(text, sizeof text, "hi %s, this is %s", peers[j].name, peers[i].name);
      if (!lnr_send_to(peers[i].client, peers[j].name, text, (size_t)n, TRUE))
        fprintf(stderr, "%s: send_to failed: %s\n", peers[i].name,
                lnr_last_error_message(peers[i].client));
    }
  }

  got = example_wait_for(&received, expected, 30);
  printf("%s: %d of %d messages arrived\n", got == expected ? "ok" : "FAILED", got, expected);

done:
  /* Deleting a client stops it first (never do it inside its own callback). */
  for (int i = 0; i < PEERS; ++i)
    if (peers[i].client)
      lnr_delete_client(peers[i].client);
  return got == expected ? 0 : 1;
}
