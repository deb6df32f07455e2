/*
 * Hostile sizes through the C API: lnr_send_to and lnr_send_all with a
 * data_size near SIZE_MAX must answer FALSE with LNR_ERR_INVALID_ARG (8),
 * like any payload above max_message_size. The size check (21 + size
 * against max_message_size) must not wrap around and let the call go on to
 * read and copy SIZE_MAX bytes.
 *
 *   capi_hostile_test sqlite|postgres
 *
 * The checks run in a child process, so that a call that aborts or crashes
 * is reported as a failure naming the call and the signal, not as a crash of
 * the test program.
 */
#include "peers.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void check_refused(peer* h, BOOL result) {
  CHECK_FALSE(result);
  CHECK_ERROR(h->h, LNR_ERR_INVALID_ARG, NULL);
}

static void run_checks(const char* kind) {
  log_capture_install();
  backend store;
  backend_open(&store, kind);
  static peer h, other;
  peer_init(&h, &store, "h", "th");
  peer_init(&other, &store, "o", "to");
  peer_run(&h);
  peer_run(&other);

  /* A real destination: a size that slipped through the check would be sent. */
  CHECK_TRUE(lnr_send_to(h.h, "to", "fine", 4, TRUE));
  wait_received(&other, 1);

  const char data[] = "x";
  const size_t sizes[] = {
    SIZE_MAX / 2,  /* 21 + size does not wrap */
    SIZE_MAX - 21, /* 21 + size == SIZE_MAX */
    SIZE_MAX - 20, /* 21 + size wraps to 0 */
    SIZE_MAX,      /* 21 + size wraps to 20 */
  };
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; ++i) {
    for (int alo = 1; alo >= 0; --alo) {
      printf("[ call ] lnr_send_to size=%zu at_least_once=%d\n", sizes[i], alo);
      check_refused(&h, lnr_send_to(h.h, "to", data, sizes[i], alo));
      printf("[ call ] lnr_send_all size=%zu at_least_once=%d\n", sizes[i], alo);
      check_refused(&h, lnr_send_all(h.h, "to", data, sizes[i], alo));
    }
  }

  /* The client is unharmed. */
  CHECK_TRUE(lnr_send_to(h.h, "to", "after", 5, TRUE));
  CHECK_ERROR(h.h, LNR_OK, "");
  wait_received(&other, 2);
  message m = peer_message(&other, 1);
  CHECK_STR(m.data, "after");

  CHECK_TRUE(lnr_delete_client(h.h));
  CHECK_TRUE(lnr_delete_client(other.h));
  backend_close(&store);
}

int main(int argc, char** argv) {
  if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0
                    && strcmp(argv[1], "redis") != 0)) {
    fprintf(stderr, "usage: %s sqlite|postgres\n", argv[0]);
    return 2;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("[ RUN  ] hostile sizes (%s)\n", argv[1]);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    run_checks(argv[1]);
    _exit(0);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  if (WIFSIGNALED(status)) {
    fprintf(stderr,
            "FAILED: the checks died of signal %d (%s) in the last call printed above: a size "
            "near SIZE_MAX must be refused with LNR_ERR_INVALID_ARG, not abort\n",
            WTERMSIG(status), strsignal(WTERMSIG(status)));
    return 1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "FAILED: the checks ended with exit code %d\n",
            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 1;
  }
  printf("[  OK  ] hostile sizes (%s)\n", argv[1]);
  return 0;
}
