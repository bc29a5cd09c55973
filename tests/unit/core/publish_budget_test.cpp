#include <catch2/catch.hpp>

#include "runtime/core/publish_budget.hpp"

using namespace shelfwire;

TEST_CASE("publish_budget: per_second a window, the rest summarised once the window ends") {
  publish_budget b{3};
  int64_t t = 10'000'000;
  int published = 0;
  for (int i = 0; i < 10; ++i)
    published += b.take(t + i * 1000);
  CHECK(published == 3);
  // Not summarised while the window lasts ...
  CHECK(b.take_summary(t + 500'000) == 0);
  // ... then once.
  CHECK(b.take_summary(t + 1'000'000) == 7);
  CHECK(b.take_summary(t + 1'000'001) == 0);
  // A new window: three again.
  CHECK(b.take(t + 1'200'000));
  CHECK(b.take(t + 1'200'001));
  CHECK(b.take(t + 1'200'002));
  CHECK_FALSE(b.take(t + 1'200'003));
  // Summaries add up over windows not yet asked for.
  for (int i = 0; i < 4; ++i)
    CHECK_FALSE(b.take(t + 1'300'000));
  CHECK(b.take(t + 2'300'000)); // the next window starts: 5 suppressed are done
  CHECK(b.take(t + 2'300'001));
  CHECK(b.take(t + 2'300'002));
  CHECK_FALSE(b.take(t + 2'300'003)); // (3 used: this one suppressed)
  CHECK(b.take_summary(t + 2'400'000) == 5);
  CHECK(b.take_summary(t + 3'400'000) == 1);
}

TEST_CASE("publish_budget: a flood of 66,666 in one second publishes per_second and counts the "
          "rest") {
  publish_budget b{50};
  int64_t t = 0;
  int published = 0;
  for (int i = 0; i < 66'666; ++i)
    published += b.take(t + i * 10); // 0.67 s
  CHECK(published == 50);
  CHECK(b.take_summary(t + 1'000'000) == 66'616);
}
