#pragma once

// Reading shelfwire-sim's JSON report in the sim integration tests.

#include <string_view>

#include <catch2/catch.hpp>

#include "tests/support/json.hpp"

namespace shelfwire::testing {

/// A number the report must have at `key`.
inline double num(const json_value& v, std::string_view key) {
  auto* f = v.find(key);
  INFO("key " << key);
  REQUIRE(f);
  REQUIRE(f->is_number());
  return f->number;
}

} // namespace shelfwire::testing
