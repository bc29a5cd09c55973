#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace shelfwire {

/// A 48-bit MAC address as the gateway contract writes it: 12 hex digits,
/// upper case on the wire. The tag keeps ESL and gateway MACs apart at
/// compile time.
template <class Tag>
class mac48 {
public:
  constexpr mac48() = default;

  /// Builds a MAC from its low 48 bits; higher bits are dropped.
  static constexpr mac48 from_u64(uint64_t v) { return mac48{v & 0xFFFFFFFFFFFFull}; }

  /// Parses exactly 12 hex digits (either case). No separators.
  static std::optional<mac48> parse(std::string_view s) {
    if (s.size() != 12)
      return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
      int d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else
        return std::nullopt;
      v = (v << 4) | static_cast<uint64_t>(d);
    }
    return mac48{v};
  }

  constexpr uint64_t value() const { return value_; }

  /// 12 upper-case hex digits.
  std::string to_string() const {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out(12, '0');
    uint64_t v = value_;
    for (int i = 11; i >= 0; --i) {
      out[static_cast<size_t>(i)] = digits[v & 0xF];
      v >>= 4;
    }
    return out;
  }

  friend constexpr bool operator==(mac48 a, mac48 b) { return a.value_ == b.value_; }
  friend constexpr bool operator!=(mac48 a, mac48 b) { return a.value_ != b.value_; }
  friend constexpr bool operator<(mac48 a, mac48 b) { return a.value_ < b.value_; }

private:
  constexpr explicit mac48(uint64_t v)
      : value_(v) {}
  uint64_t value_ = 0;
};

struct esl_tag {};
struct gw_tag {};

/// The MAC of an electronic shelf label.
using esl_mac = mac48<esl_tag>;

/// The MAC of a BLE gateway.
using gw_mac = mac48<gw_tag>;

} // namespace shelfwire

namespace std {
template <class Tag>
struct hash<shelfwire::mac48<Tag>> {
  size_t operator()(shelfwire::mac48<Tag> m) const noexcept {
    // splitmix64 finaliser: MACs of one vendor share their high bits.
    uint64_t z = m.value() + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<size_t>(z ^ (z >> 31));
  }
};
} // namespace std
