#include <catch2/catch.hpp>

#include "runtime/routing/pick.hpp"

using namespace shelfwire;
using routing::pick_gateway;

namespace {
routing::route make_route(std::initializer_list<uint64_t> gws) {
  routing::route r;
  int32_t rssi = -40;
  for (auto g : gws)
    r.candidates.push_back({gw_mac::from_u64(g), rssi--, 0});
  return r;
}
gw_mac g(uint64_t v) {
  return gw_mac::from_u64(v);
}
} // namespace

TEST_CASE("the first untried candidate is picked, preferred first") {
  auto r = make_route({1, 2, 3});
  CHECK(pick_gateway(r, {}, false)->gw == g(1));
  CHECK(pick_gateway(r, {g(1)}, false)->gw == g(2));
  CHECK(pick_gateway(r, {g(1), g(2)}, false)->gw == g(3));
  CHECK(pick_gateway(r, {g(2)}, false)->gw == g(1));
}

TEST_CASE("with every candidate tried, repeats go to the least recently tried") {
  auto r = make_route({1, 2});
  CHECK_FALSE(pick_gateway(r, {g(1), g(2)}, false));
  CHECK(pick_gateway(r, {g(1), g(2)}, true)->gw == g(1));
  CHECK(pick_gateway(r, {g(1), g(2), g(1)}, true)->gw == g(2));
  CHECK(pick_gateway(r, {g(2), g(1), g(2)}, true)->gw == g(1));
}

TEST_CASE("an empty route picks nothing") {
  routing::route r;
  CHECK_FALSE(pick_gateway(r, {}, true));
  CHECK_FALSE(pick_gateway(r, {g(1)}, true));
}
