#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/core/expected.hpp"

namespace shelfwire::wire {

/// Why a payload was refused. Decoders never throw: they return one of these.
enum class decode_errc : uint8_t {
  too_large,           ///< payload bigger than the configured limit
  not_msgpack,         ///< not parseable as MessagePack
  truncated,           ///< MessagePack ends in the middle of a value
  trailing_bytes,      ///< bytes after the top-level value
  not_a_map,           ///< top level (or a nested object) is not a map
  limit_exceeded,      ///< an array, map, string or nesting depth over its limit
  missing_key,         ///< a required key is absent
  wrong_type,          ///< a key holds a value of the wrong MessagePack type
  unsupported_version, ///< `v` is not 1
  bad_value,           ///< right type, illegal value (bad MAC, unknown op, ...)
};

std::string_view to_string(decode_errc e);

/// A refused payload: the code, the key it concerns ("esl", "commands[3].op";
/// empty if none) and a human-readable detail.
struct decode_error {
  decode_errc code;
  std::string key;
  std::string detail;

  /// "wrong_type at 'esl': expected string, got integer".
  std::string to_string() const;
};

template <class T>
using decoded = expected<T, decode_error>;

/// Bounds applied while decoding untrusted payloads.
struct decode_limits {
  size_t max_bytes = 4 * 1024 * 1024;
  size_t max_array = 200'000;
  size_t max_map = 1024;
  size_t max_str = 64 * 1024;
  size_t max_bin = 1024;
  size_t max_depth = 8;
};

} // namespace shelfwire::wire
