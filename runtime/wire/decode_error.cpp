#include "runtime/wire/decode_error.hpp"

namespace shelfwire::wire {

std::string_view to_string(decode_errc e) {
  switch (e) {
  case decode_errc::too_large:
    return "too_large";
  case decode_errc::not_msgpack:
    return "not_msgpack";
  case decode_errc::truncated:
    return "truncated";
  case decode_errc::trailing_bytes:
    return "trailing_bytes";
  case decode_errc::not_a_map:
    return "not_a_map";
  case decode_errc::limit_exceeded:
    return "limit_exceeded";
  case decode_errc::missing_key:
    return "missing_key";
  case decode_errc::wrong_type:
    return "wrong_type";
  case decode_errc::unsupported_version:
    return "unsupported_version";
  case decode_errc::bad_value:
    return "bad_value";
  }
  return "unknown";
}

std::string decode_error::to_string() const {
  std::string out{wire::to_string(code)};
  if (!key.empty()) {
    out += " at '";
    out += key;
    out += '\'';
  }
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

} // namespace shelfwire::wire
