#include <catch2/catch.hpp>

#include "runtime/routing/advert_backlog.hpp"

using namespace shelfwire;
using namespace shelfwire::routing;

namespace {

status_update update(uint64_t gw, size_t adverts) {
  status_update u;
  u.gw = gw_mac::from_u64(gw);
  for (size_t i = 0; i < adverts; ++i)
    u.adverts.push_back({esl_mac::from_u64(gw * 1000 + i), -60});
  return u;
}

std::vector<status_update> updates(std::initializer_list<std::pair<uint64_t, size_t>> l) {
  std::vector<status_update> v;
  for (auto [gw, n] : l)
    v.push_back(update(gw, n));
  return v;
}

} // namespace

TEST_CASE("advert backlog: keeps what Redis could not take, oldest first") {
  advert_backlog b{100};
  CHECK(b.empty());
  b.keep(updates({{1, 10}, {2, 20}}), 1'000);
  b.keep(updates({{3, 5}}), 2'000);
  CHECK(b.adverts() == 35);
  std::vector<int64_t> times;
  auto out = b.take(2'500, 60'000, &times);
  REQUIRE(out.size() == 3);
  CHECK(out[0].gw == gw_mac::from_u64(1));
  CHECK(out[2].gw == gw_mac::from_u64(3));
  CHECK(times == std::vector<int64_t>{1'000, 1'000, 2'000});
  CHECK(b.empty());
  CHECK(b.adverts() == 0);
  CHECK(b.take_dropped() == 0);
}

TEST_CASE("advert backlog: bounded; the oldest go first and are counted") {
  advert_backlog b{50};
  b.keep(updates({{1, 30}}), 1);
  b.keep(updates({{2, 30}}), 2); // 60 > 50: gateway 1's update goes
  CHECK(b.adverts() == 30);
  CHECK(b.take_dropped() == 30);
  CHECK(b.take_dropped() == 0);
  auto out = b.take(3, 60'000);
  REQUIRE(out.size() == 1);
  CHECK(out[0].gw == gw_mac::from_u64(2));
}

TEST_CASE("advert backlog: status older than the table's staleness is dropped, not replayed") {
  advert_backlog b{1'000};
  b.keep(updates({{1, 10}}), 0);
  b.keep(updates({{2, 10}}), 50'000);
  auto out = b.take(70'000, 60'000);
  REQUIRE(out.size() == 1);
  CHECK(out[0].gw == gw_mac::from_u64(2));
  CHECK(b.take_dropped() == 10);
}

TEST_CASE("advert backlog: what is put back keeps its first receive time") {
  advert_backlog b{1'000};
  b.keep(updates({{1, 10}}), 0);
  std::vector<int64_t> times;
  auto out = b.take(1'000, 60'000, &times);
  REQUIRE(out.size() == 1);
  b.keep(std::move(out[0]), times[0]); // the write failed again
  CHECK(b.adverts() == 10);
  CHECK(b.take(61'000, 60'000).empty()); // 61 s after it was received: too old
  CHECK(b.take_dropped() == 10);
}
