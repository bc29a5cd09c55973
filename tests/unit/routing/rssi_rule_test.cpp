#include <catch2/catch.hpp>

#include "runtime/routing/rssi_rule.hpp"

using namespace shelfwire;
using routing::preferred;
using routing::replaces_preferred;

namespace {
const gw_mac a = gw_mac::from_u64(0xA0A0A0A0A0A0);
const gw_mac b = gw_mac::from_u64(0xB0B0B0B0B0B0);
constexpr int64_t stale = 1000;
constexpr int64_t now = 50'000;

std::optional<preferred> cur(gw_mac gw, int32_t rssi, int64_t seen_ms) {
  return preferred{gw, rssi, seen_ms};
}
} // namespace

TEST_CASE("an unknown ESL takes any report, however weak") {
  CHECK(replaces_preferred(std::nullopt, a, -120, now, stale));
  CHECK(replaces_preferred(std::nullopt, b, 0, now, stale));
}

TEST_CASE("another gateway replaces the preferred one only if strictly stronger") {
  auto c = cur(a, -60, now - 10);
  CHECK(replaces_preferred(c, b, -59, now, stale));
  CHECK_FALSE(replaces_preferred(c, b, -60, now, stale)); // equal: hysteresis keeps a
  CHECK_FALSE(replaces_preferred(c, b, -61, now, stale));
  CHECK_FALSE(replaces_preferred(c, b, -100, now, stale));
}

TEST_CASE("the preferred gateway's own report always wins, weaker or stronger") {
  auto c = cur(a, -60, now - 10);
  CHECK(replaces_preferred(c, a, -90, now, stale));
  CHECK(replaces_preferred(c, a, -60, now, stale));
  CHECK(replaces_preferred(c, a, -30, now, stale));
}

TEST_CASE("a stale preferred gateway is replaced by any report") {
  SECTION("one past the limit is stale") {
    auto c = cur(a, -40, now - stale - 1);
    CHECK(replaces_preferred(c, b, -100, now, stale));
  }
  SECTION("exactly at the limit is still fresh") {
    auto c = cur(a, -40, now - stale);
    CHECK_FALSE(replaces_preferred(c, b, -100, now, stale));
    CHECK(replaces_preferred(c, b, -39, now, stale));
  }
  SECTION("long gone") {
    auto c = cur(a, -40, 0);
    CHECK(replaces_preferred(c, b, -100, now, stale));
  }
}

TEST_CASE("a clock behind the stored time does not make an entry stale") {
  auto c = cur(a, -40, now + 5000); // seen 'in the future' (clock stepped back)
  CHECK_FALSE(replaces_preferred(c, b, -50, now, stale));
  CHECK(replaces_preferred(c, b, -30, now, stale));
  CHECK(replaces_preferred(c, a, -50, now, stale));
}

TEST_CASE("stale_after_ms of zero: anything older than now is stale") {
  CHECK_FALSE(replaces_preferred(cur(a, -40, now), b, -50, now, 0));
  CHECK(replaces_preferred(cur(a, -40, now - 1), b, -50, now, 0));
}
