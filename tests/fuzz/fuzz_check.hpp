#pragma once

// Shared by the libFuzzer targets: a property check that aborts (libFuzzer
// then saves the input as a crash), and the comparisons of the wire structs
// (tests/unit/wire/wire_test_support.hpp, no Catch2 inside).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

/// Aborts with a message when a property does not hold: a finding, like a crash.
#define FUZZ_CHECK(cond, what)                                                                     \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "fuzz property violated at %s:%d: %s (%s)\n", __FILE__, __LINE__, what, \
                   #cond);                                                                         \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)

namespace fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

} // namespace fuzz
