// Always-on assertions for broken invariants: a programming error, never a reaction to user input.
#pragma once

#include <cstdio>
#include <cstdlib>

// Unlike assert(), stays on in release builds: a simulator that goes on after a broken invariant
// reports wrong guarantees, which is worse than stopping.
#define BROKERSIM_ASSERT(condition)                                                                     \
  do {                                                                                                  \
    if (!(condition)) [[unlikely]] {                                                                    \
      std::fprintf(stderr, "brokersim: internal error: assertion failed: %s (%s:%d)\n", #condition,     \
                   __FILE__, __LINE__);                                                                 \
      std::abort();                                                                                     \
    }                                                                                                   \
  } while (0)
