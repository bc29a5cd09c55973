#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace shelfwire::wire {

/// The operations an ESL understands (gateway contract v1, `op`).
enum class op_kind : uint8_t { price, image, blink, page, ping };

inline constexpr op_kind all_ops[] = {op_kind::price, op_kind::image, op_kind::blink, op_kind::page,
                                      op_kind::ping};

constexpr std::string_view to_string(op_kind op) {
  switch (op) {
  case op_kind::price:
    return "price";
  case op_kind::image:
    return "image";
  case op_kind::blink:
    return "blink";
  case op_kind::page:
    return "page";
  case op_kind::ping:
    return "ping";
  }
  return "ping";
}

inline std::optional<op_kind> parse_op(std::string_view s) {
  for (auto op : all_ops)
    if (to_string(op) == s)
      return op;
  return std::nullopt;
}

} // namespace shelfwire::wire
