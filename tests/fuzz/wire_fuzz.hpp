#pragma once

// Properties every wire decoder target checks (runtime/wire): errors are
// well formed, a tighter decode_limits never accepts what the defaults
// refuse, and what decodes survives encode -> decode unchanged, with a
// canonical encoding (encoding the value read back gives the same bytes).

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_check.hpp"
#include "tests/unit/wire/wire_test_support.hpp"

namespace fuzz {

using namespace shelfwire;
using namespace shelfwire::wire;
using wire_test::same;

/// The longest input scripts/fuzz.sh gives the wire targets (-max_len).
inline constexpr size_t max_input = 4096;

/// The default limits, with array and map sizes cut to max_input. An input
/// of n bytes cannot hold more than n elements, so both accept exactly the
/// same inputs with the same values; only a header claiming more elements
/// than the input has bytes is refused as limit_exceeded instead of
/// truncated. At the defaults msgpack reserves a claimed container up front
/// (200,000 x 16 bytes, by design: docs/gateway-contract.md, "Limits"), and
/// those allocations made the wire targets 3x slower.
inline decode_limits fuzz_limits() {
  decode_limits l;
  l.max_array = max_input;
  l.max_map = std::min(l.max_map, max_input);
  return l;
}

/// Limits small enough for fuzz inputs to hit each of them.
inline decode_limits tight_limits() {
  decode_limits l;
  l.max_bytes = 512;
  l.max_array = 4;
  l.max_map = 8;
  l.max_str = 16;
  l.max_bin = 8;
  l.max_depth = 3;
  return l;
}

inline bool valid_mac(uint64_t v) {
  return v <= 0xFFFFFFFFFFFFull;
}
inline bool valid_op(op_kind op) {
  return static_cast<unsigned>(op) < 5;
}
inline bool valid_status(outcome_status s) {
  return static_cast<unsigned>(s) < outcome_status_count;
}
inline bool unique_names(const arg_list& a) {
  std::set<std::string> names;
  for (const auto& kv : a)
    if (!names.insert(kv.first).second)
      return false;
  return true;
}

/// A refusal names a known code, has text, and framing errors name no key.
inline void check_error(const decode_error& e) {
  FUZZ_CHECK(static_cast<unsigned>(e.code) <= static_cast<unsigned>(decode_errc::bad_value),
             "error code out of range");
  FUZZ_CHECK(to_string(e.code) != "unknown" && !e.to_string().empty(), "error without text");
  switch (e.code) {
  case decode_errc::too_large:
  case decode_errc::not_msgpack:
  case decode_errc::truncated:
  case decode_errc::trailing_bytes:
    FUZZ_CHECK(e.key.empty(), "framing error with a key");
    break;
  default:
    break;
  }
}

/// Decodes `input` with fuzz_limits() (and tight_limits(), see below) and
/// checks the results. `decode(bytes, limits)`; `valid(value)` checks the value's
/// invariants; `normal(value)` is what re-encoding may legitimately drop
/// (e.g. a count of skipped entries). Returns the fuzz_limits() result.
template <class Decode, class Valid, class Normal>
auto check_decoder(std::string_view input, Decode decode, Valid valid, Normal normal) {
  auto d = decode(input, fuzz_limits());
  // The tight decode for every accepted input and a quarter of the refused
  // ones (the parse is most of an execution's cost; refusals are most inputs).
  if (d || input.size() % 4 == 0) {
    auto tight = decode(input, tight_limits());
    if (!tight)
      check_error(tight.error());
    else
      FUZZ_CHECK(d && same(*tight, *d), "tight limits accept what the defaults refuse, or differ");
  }
  if (!d) {
    check_error(d.error());
    return d;
  }
  FUZZ_CHECK(valid(*d), "decoded an invalid value");
  std::string once;
  encode(*d, once);
  auto back = decode(once, decode_limits{}); // what a node reads with
  FUZZ_CHECK(back, "re-encoded value does not decode");
  FUZZ_CHECK(same(*back, normal(*d)), "encode -> decode changed the value");
  std::string twice;
  encode(*back, twice);
  FUZZ_CHECK(once == twice, "encoding is not canonical");
  return d;
}

/// normal() for values that re-encode without loss.
struct unchanged {
  template <class T>
  const T& operator()(const T& x) const {
    return x;
  }
};

} // namespace fuzz
