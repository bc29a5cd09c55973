#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "runtime/core/mac.hpp"
#include "runtime/metrics/registry.hpp"

using namespace shelfwire;

TEST_CASE("histogram buckets are contiguous and ordered") {
  using metrics::histogram;
  for (uint64_t v : {0ull, 1ull, 63ull, 64ull, 65ull, 1000ull, 123456ull, 1ull << 40}) {
    auto idx = histogram::index_of(v);
    CHECK(histogram::lower_bound_of(idx) <= v);
    CHECK(v < histogram::lower_bound_of(idx) + histogram::width_of(idx));
  }
  for (size_t i = 1; i < 1000; ++i)
    CHECK(histogram::lower_bound_of(i) ==
          histogram::lower_bound_of(i - 1) + histogram::width_of(i - 1));
}

TEST_CASE("histogram percentiles are within bucket resolution") {
  metrics::histogram h;
  for (uint64_t v = 1; v <= 10000; ++v)
    h.record(v);
  auto s = h.snapshot();
  CHECK(s.count == 10000);
  CHECK(s.min == 1);
  CHECK(s.max == 10000);
  CHECK(s.mean() == Approx(5000.5));
  CHECK(s.percentile(0.5) == Approx(5000).epsilon(0.04));
  CHECK(s.percentile(0.99) == Approx(9900).epsilon(0.04));
  CHECK(s.percentile(1.0) <= 10000);
}

TEST_CASE("counters are exact under concurrent increments") {
  metrics::registry reg;
  auto& c = reg.get_counter("x.y");
  CHECK(&c == &reg.get_counter("x.y"));
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 100000; ++i)
        c.inc();
    });
  for (auto& t : ts)
    t.join();
  CHECK(reg.counter_value("x.y") == 400000);
  CHECK(reg.counter_value("nope") == 0);
  reg.get_histogram("lat").record(42);
  auto json = reg.to_json();
  CHECK(json.find("\"x.y\":400000") != std::string::npos);
  CHECK(json.find("\"lat\":{\"count\":1") != std::string::npos);
}

TEST_CASE("MAC parsing is strict about length and digits") {
  auto m = esl_mac::parse("a1b2c3d4e5f6");
  REQUIRE(m);
  CHECK(m->to_string() == "A1B2C3D4E5F6");
  CHECK_FALSE(esl_mac::parse("A1B2C3D4E5F"));
  CHECK_FALSE(esl_mac::parse("A1B2C3D4E5F6A"));
  CHECK_FALSE(esl_mac::parse("A1:B2:C3:D4:E5"));
  CHECK_FALSE(esl_mac::parse("G1B2C3D4E5F6"));
  CHECK(esl_mac::from_u64(0xFFFF123456789ABCull).to_string() == "123456789ABC");
}
