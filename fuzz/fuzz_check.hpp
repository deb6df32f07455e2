// Helpers shared by the fuzz targets: a check that aborts (so libFuzzer keeps
// the input as a crash) in every build type, unlike assert under NDEBUG.
#pragma once

#include <cstdio>
#include <cstdlib>

#define LINER_FUZZ_CHECK(cond, what)                                                     \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s (%s)\n", __FILE__, __LINE__,    \
                   #cond, what);                                                         \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)
