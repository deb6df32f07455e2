/*
 * Test peers: a client plus what its callbacks saw (messages, status events),
 * kept under the state lock of test_support.h.
 */
#ifndef LINER_CAPI_TEST_PEERS_H
#define LINER_CAPI_TEST_PEERS_H

#include "test_support.h"

typedef struct message {
  char to[64];
  char from[64];
  char data[256];
  size_t size;
} message;

typedef struct status_event {
  int kind;
  char topic[64];
  char peer[64];
  char message[256];
} status_event;

enum { max_messages = 64, max_events = 256 };

/* Where a peer deletes its own client (peer.delete_in_callback). */
enum {
  delete_from_receive = 1, /* in the receive callback */
  delete_from_nested = 2,  /* in a lnr_list_addresses callback called from the receive callback */
  delete_from_status = 3,  /* in the status callback */
};

typedef struct peer {
  lnr_hClient h;
  int echo;               /* the receive callback answers "echo:<data>" to the sender */
  int delete_in_callback; /* deletes its own client: see the delete_from_* values */
  int delete_attempts;    /* ... and records the results here */
  int delete_results;     /* sum of the BOOL results */
  lnr_hClient delete_other; /* the receive callback deletes this other client ... */
  int delete_other_result;  /* ... with this result (-1: not yet) */
  int echo_failures;
  int received;
  message inbox[max_messages];
  int events;
  status_event event[max_events];
} peer;

/* Counts lnr_list_addresses rows (udata: a row_counter). */
typedef struct row_counter {
  int n;
} row_counter;
void count_rows(const char* addr, const char* unique_name, lnr_uData udata);

/* Creates the client on the backend (checked) and zeroes the rest. */
void peer_init(peer* p, backend* b, const char* unique_name, const char* topic);
/* Installs the status callback and runs with the receive callback (checked). */
void peer_run(peer* p);

void on_receive(const char* to, const char* from, const char* data, size_t size,
                lnr_uData udata);
void on_status(int kind, const char* topic, const char* peer_name, const char* message,
               lnr_uData udata);

/* Waits until p received at least n messages (checked). */
void wait_received(peer* p, int n);
/* From a callback of p: lnr_delete_client(p->h), recorded in p. */
void peer_try_delete(peer* p);
/* Waits until p made n delete attempts (checked). */
void wait_delete_attempts(peer* p, int n);

/* Waits until p saw a status event of that kind, topic (NULL: any) and peer
 * (checked). */
void wait_event(peer* p, int kind, const char* topic, const char* peer_name);
/* A copy of p's i-th message, taken under the lock. */
message peer_message(peer* p, int i);
/* Number of messages received so far. */
int peer_received(peer* p);

#endif
