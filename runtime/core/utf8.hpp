#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shelfwire {

/// The length (1..4) of the well-formed UTF-8 character at `s[i]`, or 0 if
/// the bytes there are not one: a stray continuation byte, a truncated or
/// overlong sequence, a surrogate (U+D800..U+DFFF), or beyond U+10FFFF.
inline size_t utf8_char_length(std::string_view s, size_t i) {
  if (i >= s.size())
    return 0;
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80)
    return 1;
  size_t n;
  uint32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size())
    return 0;
  for (size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  static constexpr uint32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

} // namespace shelfwire
