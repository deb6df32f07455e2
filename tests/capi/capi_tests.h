/* The test groups of capi_test; each runs on the given store. */
#ifndef LINER_CAPI_TESTS_H
#define LINER_CAPI_TESTS_H

#include "peers.h"

/* capi_errors_test.c */
void test_construction(backend* store);
void test_bad_handles(backend* store);
void test_bad_arguments(backend* store);
void test_error_codes(backend* store);
void test_store_errors(backend* store);

/* capi_callbacks_test.c */
void test_busy_and_pending(backend* store);
void test_delete_from_callbacks(backend* store);
void test_delete_while_in_use(backend* store);

/* capi_stats_test.c */
void test_stats(backend* store);

#endif
