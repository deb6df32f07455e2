/*
 * lnr_stats_json: the counters of two clients after real messages between
 * them, read as JSON text (substring checks: the fields come in the
 * documented order, without spaces), and NULL for a bad handle.
 */
#include "capi_tests.h"

#include <stdio.h>
#include <string.h>

/* Whether `json` contains `part` (reported with both on failure). */
static void check_contains_at(const char* file, int line, const char* json, const char* part) {
  if (json == NULL || strstr(json, part) == NULL)
    check_str_at(file, line, "stats JSON contains", json, part);
}
#define CHECK_CONTAINS(json, part) check_contains_at(__FILE__, __LINE__, (json), (part))

void test_stats(backend* store) {
  static peer r, s;
  peer_init(&r, store, "stats-r", "tstats-r");
  peer_init(&s, store, "stats-s", "tstats-s");

  /* Not running: counters at zero, no routes. */
  const char* idle = lnr_stats_json(s.h);
  CHECK_CONTAINS(idle, "{\"client\":\"stats-s\",\"topic\":\"tstats-s\",\"running\":false,");
  CHECK_CONTAINS(idle, "\"sent\":{\"messages\":0,\"bytes\":0}");
  CHECK_CONTAINS(idle, "\"routes\":[]");

  peer_run(&r);
  peer_run(&s);
  CHECK_TRUE(lnr_send_to(s.h, "tstats-r", "abc", 3, TRUE));
  CHECK_TRUE(lnr_send_to(s.h, "tstats-r", "defg", 4, FALSE));
  CHECK_TRUE(lnr_send_to(s.h, "tstats-r", "hi", 2, TRUE));
  wait_received(&r, 3);

  const char* sent = lnr_stats_json(s.h);
  CHECK_CONTAINS(sent, "\"running\":true,\"sent\":{\"messages\":3,\"bytes\":9}");
  CHECK_CONTAINS(sent, "\"refused_busy\":0");
  CHECK_CONTAINS(sent, "\"listener\":\"stats-r\"");
  CHECK_CONTAINS(sent, "\"topics\":[\"tstats-r\"]");
  CHECK_CONTAINS(sent, "\"sent_messages\":3,\"sent_bytes\":9");
  CHECK_CONTAINS(sent, "\"store\":{\"requests\":");
  /* Counted before the receive callback runs: exact once it has run. */
  const char* got = lnr_stats_json(r.h);
  CHECK_CONTAINS(got, "\"delivered\":{\"messages\":3,\"bytes\":9}");
  CHECK_CONTAINS(got, "\"sent\":{\"messages\":0,\"bytes\":0}");
  /* The string of one client stays valid while another's is read. */
  CHECK_CONTAINS(sent, "\"client\":\"stats-s\"");

  CHECK(lnr_stats_json(NULL) == NULL);
  lnr_hClient gone = s.h;
  CHECK_TRUE(lnr_delete_client(s.h));
  CHECK(lnr_stats_json(gone) == NULL);
  CHECK_TRUE(lnr_delete_client(r.h));
}
