/*
 * one_to_one: alice sends three messages to bob's topic.
 *
 * Both peers are clients in this one process, on one SQLite file: argv[1],
 * or liner-example.db in the current directory (deleted first, for a clean
 * run). bob's receive callback prints each message; main() waits until all
 * three arrived. Exits 0 if they did, 1 if not.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, used by example_helpers.h */
#include <liner.h>

#include <stdio.h>

#include "example_helpers.h"

#define MESSAGES 3

static example_counter received = EXAMPLE_COUNTER_INIT;

/* bob's receive callback: runs on bob's own thread, once per message. `to`
 * is the topic the message was sent to, `from` the sender's topic. `data` is
 * not NUL-terminated: print it with its size. */
static void bob_receives(const char* to, const char* from, const char* data, size_t size,
                         lnr_uData udata) {
  (void)udata;
  printf("bob got \"%.*s\" from %s (sent to topic %s)\n", (int)size, data, from, to);
  example_count(&received);
}

/* alice only sends, but a running client needs a receive callback too. */
static void alice_receives(const char* to, const char* from, const char* data, size_t size,
                           lnr_uData udata) {
  (void)udata;
  printf("alice got \"%.*s\" from %s (sent to topic %s)\n", (int)size, data, from, to);
}

int main(int argc, char** argv) {
  const char* db = argc > 1 ? argv[1] : "liner-example.db";
  example_fresh_db(db);
  int got = 0;

  /* unique name, own topic, listen address (port 0: any free port), store */
  lnr_hClient bob = lnr_new_client_sqlite("bob", "bob", "127.0.0.1:0", db, NULL);
  lnr_hClient alice = lnr_new_client_sqlite("alice", "alice", "127.0.0.1:0", db, NULL);
  if (!bob || !alice) {
    fprintf(stderr, "could not create the clients (the reason is logged above)\n");
    goto done;
  }

  /* Running puts each client's address into the store, under its topic. */
  if (!lnr_run(bob, bob_receives, NULL) || !lnr_run(alice, alice_receives, NULL)) {
    fprintf(stderr, "run failed: %s%s\n", lnr_last_error_message(bob),
            lnr_last_error_message(alice));
    goto done;
  }

  for (int i = 1; i <= MESSAGES; ++i) {
    char text[64];
    int n = snprintf(text, sizeof text, "hello %d", i);
    /* TRUE: at-least-once delivery (kept until bob acknowledges it) */
    if (!lnr_send_to(alice, "bob", text, (size_t)n, TRUE))
      fprintf(stderr, "send_to failed: %s\n", lnr_last_error_message(alice));
  }

  got = example_wait_for(&received, MESSAGES, 30);
  printf("%s: bob got %d of %d messages\n", got == MESSAGES ? "ok" : "FAILED", got, MESSAGES);

done:
  /* Deleting a client stops it first (never do it inside its own callback). */
  if (alice)
    lnr_delete_client(alice);
  if (bob)
    lnr_delete_client(bob);
  return got == MESSAGES ? 0 : 1;
}
