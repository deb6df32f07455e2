/*
 * liner.h: the C API of liner-caf.
 *
 * Declaration for declaration the contract of liner 1.4.1's include/liner.h:
 * the same functions, typedefs and enum values, so a program written and
 * compiled for liner runs against libliner.so unchanged. Our additions are
 * declared at the end, under "Extensions"; all are prefixed lnr_.
 *
 * Conventions
 * - Strings are NUL-terminated UTF-8. Strings handed to callbacks are never
 *   NULL ("" instead) and valid only during the call. Strings returned by
 *   getters belong to the client and stay valid until the next call on it.
 * - BOOL results are exactly 0 or 1 in a full int; any non-zero BOOL argument
 *   means true.
 * - A NULL, unknown or deleted handle makes a call fail cleanly (FALSE, NULL,
 *   -1 or LNR_OK as documented); deleting twice returns FALSE.
 * - Callbacks never run while the library holds one of its locks: they may
 *   call back into the API (deleting their own client fails instead).
 *
 * Compiles as C99 and as C++.
 */
#ifndef LINER_H
#define LINER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LINER_API

#if defined(_MSC_VER)
#define LINER_DEPRECATED __declspec(deprecated)
#else
#define LINER_DEPRECATED __attribute__((deprecated))
#endif

typedef enum BOOL { FALSE = 0, TRUE = 1 } BOOL;

typedef void* lnr_uData;
typedef void* lnr_hClient;

/* Last error codes (lnr_last_error_code). */
enum {
  LNR_OK = 0,
  LNR_ERR_NOT_RUNNING = 1,
  LNR_ERR_ALREADY_RUNNING = 2,
  LNR_ERR_SELF_TOPIC = 3,
  LNR_ERR_INTERNAL_TOPIC = 4,
  LNR_ERR_NO_ADDR = 5,
  LNR_ERR_BIND = 6,
  LNR_ERR_STORE = 7,
  LNR_ERR_INVALID_ARG = 8,
  LNR_ERR_CLEAR_WHILE_RUNNING = 9,
  LNR_ERR_STARTUP = 10,
  LNR_ERR_BUSY = 11
};

/* Status kinds (lnr_set_status_cb). */
enum {
  LNR_PEER_CONNECTED = 1,
  LNR_PEER_DISCONNECTED = 2,
  LNR_PEER_SUBSCRIBED = 3,
  LNR_PEER_UNSUBSCRIBED = 4,
  LNR_SENDER_ROUTE_LOST = 5,
  LNR_SENDER_STORE_ERROR = 6,
  LNR_SENDER_SEND_ERROR = 7,
  LNR_LISTENER_STORE_ERROR = 8,
  LNR_SENDER_BUSY = 9
};

typedef void (*lnr_receive_cb)(const char* to, const char* from, const char* data,
                               size_t data_size, lnr_uData udata);
typedef void (*lnr_status_cb)(int kind, const char* topic, const char* peer,
                              const char* message, lnr_uData udata);
typedef void (*lnr_log_cb)(const char* message, lnr_uData udata);
typedef void (*lnr_addr_cb)(const char* addr, const char* unique_name, lnr_uData udata);
typedef void (*lnr_pending_cb)(const char* addr, const char* topic, const char* unique_name,
                               long long count, lnr_uData udata);

/* -- construction --------------------------------------------------------- */

/* A client on Redis, liner's key layout (Rust liner peers share it): redis_url is
   "redis://[[user]:password@]host[:port][/db]" or "unix:///path[?db=N&pass=P]". NULL on
   failure: a malformed URL (LNR_ERR_INVALID_ARG), an unreachable server or a refused
   password (LNR_ERR_STORE); lnr_creation_error_message says which. */
LINER_API lnr_hClient lnr_new_client_redis(const char* unique_name, const char* topic,
                                           const char* localhost, const char* redis_url);
LINER_API lnr_hClient lnr_new_client_sqlite(const char* unique_name, const char* topic,
                                            const char* localhost, const char* sqlite_path,
                                            const char* receivers_json);
LINER_API lnr_hClient lnr_new_client_postgres(const char* unique_name, const char* topic,
                                              const char* localhost, const char* postgres_url);
/* Deprecated alias of lnr_new_client_redis. */
LINER_API LINER_DEPRECATED lnr_hClient lnr_new_client(const char* unique_name, const char* topic,
                                                      const char* localhost,
                                                      const char* redis_url);
/* Build marker of liner's postgres builds: 1. */
LINER_API unsigned char lnr_postgres_enabled(void);

/* -- lifecycle -------------------------------------------------------------- */

LINER_API BOOL lnr_run(lnr_hClient client, lnr_receive_cb receive_cb, lnr_uData udata);
LINER_API BOOL lnr_stop(lnr_hClient client);
LINER_API BOOL lnr_is_running(lnr_hClient client);
LINER_API BOOL lnr_delete_client(lnr_hClient client);

/* -- messaging -------------------------------------------------------------- */

LINER_API BOOL lnr_send_to(lnr_hClient client, const char* topic, const char* data,
                           size_t data_size, BOOL at_least_once_delivery);
LINER_API BOOL lnr_send_all(lnr_hClient client, const char* topic, const char* data,
                            size_t data_size, BOOL at_least_once_delivery);

/* -- topics ------------------------------------------------------------------- */

LINER_API BOOL lnr_subscribe(lnr_hClient client, const char* topic);
LINER_API BOOL lnr_unsubscribe(lnr_hClient client, const char* topic);
LINER_API BOOL lnr_refresh_address_topic(lnr_hClient client, const char* topic);

/* -- clearing ------------------------------------------------------------------- */

LINER_API BOOL lnr_clear_stored_messages(lnr_hClient client);
LINER_API BOOL lnr_clear_addresses_of_topic(lnr_hClient client);

/* -- status, log, last error, version ------------------------------------------------ */

LINER_API BOOL lnr_set_status_cb(lnr_hClient client, lnr_status_cb cb, lnr_uData udata);
LINER_API BOOL lnr_set_log_cb(lnr_log_cb cb, lnr_uData udata);
LINER_API int lnr_last_error_code(lnr_hClient client);
/* Why this thread's last lnr_new_client_* returned NULL: LNR_ERR_INTERNAL_TOPIC (the topic
   is the reserved internal channel), LNR_ERR_INVALID_ARG or LNR_ERR_STORE; LNR_OK after a
   success. (liner-caf; liner has no such call.) */
LINER_API int lnr_creation_error_code(void);
/* The reason behind lnr_creation_error_code, as logged ("" after a success), e.g.
   "could not create the client: connection to server at \"127.0.0.1\", port 1 failed: ...".
   Valid until this thread's next lnr_new_client_*. (liner-caf; liner has no such call.) */
LINER_API const char* lnr_creation_error_message(void);
LINER_API const char* lnr_last_error_message(lnr_hClient client);
/* This project's version (semver); see lnr_liner_version for liner's. */
LINER_API const char* lnr_version(void);

/* -- directory and offline queues ------------------------------------------------------ */

LINER_API BOOL lnr_list_addresses(lnr_hClient client, const char* topic, lnr_addr_cb cb,
                                  lnr_uData udata);
LINER_API long long lnr_pending_count(lnr_hClient client);
LINER_API BOOL lnr_pending_by_peer(lnr_hClient client, lnr_pending_cb cb, lnr_uData udata);

/* -- process-wide knobs ------------------------------------------------------------------ */

LINER_API BOOL lnr_set_max_message_size(size_t n);
LINER_API size_t lnr_get_max_message_size(void);
LINER_API BOOL lnr_set_compress_threshold(size_t n);
LINER_API size_t lnr_get_compress_threshold(void);
LINER_API BOOL lnr_set_max_send_queue(size_t n);
LINER_API size_t lnr_get_max_send_queue(void);

/* -- addresses ------------------------------------------------------------------------------ */

LINER_API BOOL lnr_set_advertise_addr(lnr_hClient client, const char* addr);
LINER_API const char* lnr_advertise_addr(lnr_hClient client);
LINER_API const char* lnr_bound_listen_addr(lnr_hClient client);
LINER_API const char* lnr_published_addr(lnr_hClient client);

/* -- Extensions (liner-caf) ------------------------------------------------------------------- */

/* The liner version this library is a drop-in for: "1.4.1". */
LINER_API const char* lnr_liner_version(void);

/* Durable mode (default off): every at-least-once send (lnr_send_to / lnr_send_all with
   at_least_once TRUE) returns only once the message is in the store, so a process killed
   right after loses nothing; when it (or the listener) runs again, the message is delivered.
   Concurrent sends share store transactions. A send whose message is not in the store within
   the store timeout fails with LNR_ERR_STORE (it stays queued in memory). Only while not
   running (LNR_ERR_ALREADY_RUNNING). docs/delivery.md, "Durable mode". */
LINER_API BOOL lnr_set_durable(lnr_hClient client, BOOL on);

/* A shared secret every peer of this client must prove before a frame is accepted, both
   ways (HMAC-SHA256 challenge-response; docs/security.md). Only while not running
   (LNR_ERR_ALREADY_RUNNING). NULL or "" turns it off. Default: LINER_AUTH_SECRET. */
LINER_API BOOL lnr_set_auth_secret(lnr_hClient client, const char* secret);

/* TLS 1.3 for every connection of the client, with mutual certificate verification: its
   certificate chain and key (PEM files) and the CA every peer's certificate must chain to.
   All three NULL or "" turn it off. The files are loaded now (LNR_ERR_INVALID_ARG if one is
   missing or bad). Only while not running. Default: LINER_TLS_CERT, LINER_TLS_KEY and
   LINER_TLS_CA when all three are set. */
LINER_API BOOL lnr_set_tls(lnr_hClient client, const char* cert_file, const char* key_file,
                           const char* ca_file);

/* Process-wide limits against hostile or runaway peers (docs/security.md). 0 is rejected.
   Inbound budget: bytes of partial frames and decompressed payloads held at once
   (default 256 MiB, LINER_INBOUND_BUDGET). Inbound connections per client (default 512,
   LINER_MAX_INBOUND_CONNECTIONS). */
LINER_API BOOL lnr_set_inbound_budget(size_t bytes);
LINER_API size_t lnr_get_inbound_budget(void);
LINER_API BOOL lnr_set_max_inbound_connections(size_t n);
LINER_API size_t lnr_get_max_inbound_connections(void);

/* Send buffer: bytes one route (one peer address) holds unwritten before a send waits for
   room, at most the send timeout; then the send fails with LNR_ERR_BUSY (and a
   LNR_SENDER_BUSY status event). A send from inside a callback never waits. Default 256 KiB
   (LINER_SEND_BUFFER), 0 = unlimited (liner's behaviour); timeout default 1000 ms
   (LINER_SEND_TIMEOUT_MS), 0 = fail at once, at most 86400000 (a day). */
LINER_API BOOL lnr_set_send_buffer(size_t bytes);
LINER_API size_t lnr_get_send_buffer(void);
LINER_API BOOL lnr_set_send_timeout_ms(unsigned int ms);
LINER_API unsigned int lnr_get_send_timeout_ms(void);

/* Store timeout: longest a call waits for the store before failing with LNR_ERR_STORE
   (default 5000 ms, LINER_STORE_TIMEOUT_MS). First-frame timeout: an inbound connection that
   has not sent one complete valid frame (or finished its handshake) after this long is
   closed (default 5000 ms, LINER_FIRST_FRAME_TIMEOUT_MS). Both process-wide; 0 and values
   above 86400000 (a day) are rejected (FALSE, unchanged). */
LINER_API BOOL lnr_set_store_timeout_ms(unsigned int ms);
LINER_API unsigned int lnr_get_store_timeout_ms(void);
LINER_API BOOL lnr_set_first_frame_timeout_ms(unsigned int ms);
LINER_API unsigned int lnr_get_first_frame_timeout_ms(void);

/* Silent peers (liner-caf; docs/failure-modes.md). Heartbeat: a connection between two
   liner-caf peers that wrote nothing for this long writes a heartbeat (default 2000 ms,
   LINER_HEARTBEAT_MS; 0 = none, else 10 to 86400000); negotiated when the connection opens,
   never sent to a Rust liner peer. Peer timeout: a peer heard from not at all for this long
   is lost (default 10000 ms, LINER_PEER_TIMEOUT_MS; 100 to 86400000): the sender reports
   LNR_SENDER_ROUTE_LOST, keeps its at-least-once messages and reconnects; it is also every
   connection's TCP_USER_TIMEOUT and sets its TCP keepalive. Process-wide; a value out of
   range is rejected (FALSE, unchanged). */
LINER_API BOOL lnr_set_heartbeat_ms(unsigned int ms);
LINER_API unsigned int lnr_get_heartbeat_ms(void);
LINER_API BOOL lnr_set_peer_timeout_ms(unsigned int ms);
LINER_API unsigned int lnr_get_peer_timeout_ms(void);

/* The client's counters as one JSON object, e.g.
     {"client":"alice","topic":"a","running":true,"sent":{"messages":3,"bytes":42},
      "delivered":{"messages":0,"bytes":0},"refused_busy":0,"alo_unacked":0,
      "store":{"requests":9,"failures":0,"avg_us":310,"max_us":2200},
      "routes":[{"listener":"bob","addr":"127.0.0.1:5000","topics":["b"],"connected":true,
                 "sent_messages":3,"sent_bytes":42,"queued":0,"alo_unacked":0,"acked":3,
                 "refused_busy":0,"connects":1,"reconnects":0}]}
   Counts since the client was created (messages: one per copy; bytes: payload bytes as
   given to the send or to the receive callback); docs/c-api.md, "Metrics", has every field.
   Running or not, any thread; no store call; does not change the last error. NULL for an
   invalid handle. The string stays valid until the next lnr_stats_json call for the client
   (or its deletion). With LINER_METRICS_ADDR set, the process also serves these over HTTP. */
LINER_API const char* lnr_stats_json(lnr_hClient client);

#ifdef __cplusplus
}
#endif

#endif /* LINER_H */
