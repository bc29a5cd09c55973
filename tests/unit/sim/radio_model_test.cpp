// The emulator's radio physics (sim/emulator/radio_model): slots, FIFO, the
// queue bound, check-ins, ttl, determinism, compression. No clock: the tests
// say what time it is.

#include <catch2/catch.hpp>

#include <map>

#include "sim/emulator/radio_model.hpp"

using namespace shelfwire;
using namespace shelfwire::sim;

namespace {

const gw_mac gw1 = gw_mac::from_u64(0xAA0000000001ull);
const gw_mac gw2 = gw_mac::from_u64(0xAA0000000002ull);

esl_mac esl(uint64_t i) {
  return esl_mac::from_u64(0xE50000000000ull + i);
}

/// Fixed transmission times: every op takes exactly `ms`.
radio_params fixed(uint32_t slots, uint32_t queue_max, uint32_t ms) {
  radio_params p;
  p.slots = slots;
  p.queue_max = queue_max;
  p.tx_price = p.tx_image = p.tx_short = p.tx_default = {ms, ms};
  return p;
}

/// Runs the model to the end, stepping to each next event; checks the slot
/// bound at every step. Returns every event.
std::vector<radio_event> drain(radio_model& m, uint32_t slots) {
  std::vector<radio_event> all;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    auto t = m.next_event_us();
    if (t == INT64_MAX)
      break;
    for (auto& e : m.advance(t))
      all.push_back(e);
    REQUIRE(m.transmitting(gw1) <= slots);
    REQUIRE(m.transmitting(gw2) <= slots);
  }
  return all;
}

} // namespace

TEST_CASE("radio: never more transmissions than slots; the rest wait in order", "[sim][radio]") {
  radio_model m{fixed(2, 100, 1000)};
  std::vector<uint64_t> ids;
  for (uint64_t i = 0; i < 7; ++i) {
    auto a = m.arrive(0, gw1, esl(i), wire::op_kind::price, 0);
    REQUIRE_FALSE(a.busy);
    ids.push_back(a.id);
  }
  CHECK(m.transmitting(gw1) == 2);
  CHECK(m.queued(gw1) == 5);
  auto ev = drain(m, 2);
  REQUIRE(ev.size() == 7);
  CHECK(m.stats().peak_slots == 2);
  CHECK(m.stats().peak_queue == 5);
  CHECK(m.stats().transmissions == 7);
  // Two at a time, 1 s each, in arrival order.
  for (size_t k = 0; k < ev.size(); ++k) {
    CHECK(ev[k].kind == radio_event_kind::done);
    CHECK(ev[k].id == ids[k]);
    CHECK(ev[k].gw == gw1);
    CHECK(ev[k].at_us == static_cast<int64_t>((k / 2 + 1) * 1'000'000));
  }
}

TEST_CASE("radio: gateways have their own slots", "[sim][radio]") {
  radio_model m{fixed(1, 10, 500)};
  m.arrive(0, gw1, esl(1), wire::op_kind::price, 0);
  m.arrive(0, gw2, esl(2), wire::op_kind::price, 0);
  CHECK(m.transmitting(gw1) == 1);
  CHECK(m.transmitting(gw2) == 1);
  auto ev = m.advance(500'000);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].at_us == 500'000);
  CHECK(ev[1].at_us == 500'000);
  CHECK(m.next_event_us() == INT64_MAX);
}

TEST_CASE("radio: a full queue answers busy at once; room again once a slot frees",
          "[sim][radio]") {
  radio_model m{fixed(1, 2, 1000)};
  CHECK_FALSE(m.arrive(0, gw1, esl(1), wire::op_kind::price, 0).busy); // transmits
  CHECK_FALSE(m.arrive(0, gw1, esl(2), wire::op_kind::price, 0).busy); // queued
  CHECK_FALSE(m.arrive(0, gw1, esl(3), wire::op_kind::price, 0).busy); // queued
  CHECK(m.arrive(10, gw1, esl(4), wire::op_kind::price, 0).busy);      // full
  CHECK(m.stats().busy == 1);
  CHECK(m.queued(gw1) == 2);
  // At 1 s the first ends, the second starts: one place free.
  CHECK_FALSE(m.arrive(1'000'000, gw1, esl(5), wire::op_kind::price, 0).busy);
  CHECK(m.arrive(1'000'000, gw1, esl(6), wire::op_kind::price, 0).busy);
  CHECK(m.stats().busy == 2);
  auto ev = drain(m, 1);
  CHECK(ev.size() == 4); // 1, 2, 3, 5 transmitted
  CHECK(m.stats().transmissions == 4);
  // A queue of 0: only what can start now is taken.
  radio_model z{fixed(1, 0, 1000)};
  CHECK_FALSE(z.arrive(0, gw1, esl(1), wire::op_kind::price, 0).busy);
  CHECK(z.arrive(0, gw1, esl(2), wire::op_kind::price, 0).busy);
}

TEST_CASE("radio: with check-ins an action waits for its ESL's wake-up, holding no slot",
          "[sim][radio]") {
  auto p = fixed(1, 100, 1000);
  p.checkin_interval_ms = 20'000;
  p.seed = 7;
  radio_model m{p};
  // Wake-ups: a fixed phase per ESL, every 20 s.
  for (uint64_t i = 0; i < 50; ++i) {
    auto w = m.next_wake_us(esl(i), 0);
    CHECK(w >= 0);
    CHECK(w < 20'000'000);
    CHECK(m.next_wake_us(esl(i), w) == w);
    CHECK(m.next_wake_us(esl(i), w + 1) == w + 20'000'000);
    CHECK(m.next_wake_us(esl(i), 55'000'000) % 20'000'000 == w);
  }
  // Two ESLs: the later-waking one first. The earlier-waking one overtakes it
  // (the slot is free while the first waits) and transmits at its wake-up.
  uint64_t early = 0, late = 1;
  while (m.next_wake_us(esl(early), 0) >= m.next_wake_us(esl(late), 0) - 2'000'000)
    ++late; // at least 2 s apart, so the first transmission ends before the second wake-up
  auto we = m.next_wake_us(esl(early), 0), wl = m.next_wake_us(esl(late), 0);
  auto a_late = m.arrive(0, gw1, esl(late), wire::op_kind::price, 0);
  auto a_early = m.arrive(0, gw1, esl(early), wire::op_kind::price, 0);
  CHECK((m.transmitting(gw1) == 0 || we == 0));
  auto ev = drain(m, 1);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].id == a_early.id);
  CHECK(ev[0].at_us == we + 1'000'000);
  CHECK(ev[1].id == a_late.id);
  CHECK(ev[1].at_us == wl + 1'000'000);
  // Phases are spread, not all equal.
  std::map<int64_t, int> phases;
  for (uint64_t i = 0; i < 200; ++i)
    phases[m.next_wake_us(esl(i), 0) / 1'000'000]++;
  CHECK(phases.size() >= 15);
}

TEST_CASE("radio: an action that cannot end within its ttl is answered busy when the ttl expires",
          "[sim][radio]") {
  radio_model m{fixed(1, 10, 1000)};
  auto first = m.arrive(0, gw1, esl(1), wire::op_kind::price, 5000);   // 0 -> 1 s
  auto second = m.arrive(0, gw1, esl(2), wire::op_kind::price, 1500);  // would end at 2 s > 1.5 s
  auto third = m.arrive(0, gw1, esl(3), wire::op_kind::price, 2000);   // 1 s -> 2 s: fits exactly
  auto fourth = m.arrive(0, gw1, esl(4), wire::op_kind::price, 10000); // 2 s -> 3 s
  auto ev = drain(m, 1);
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].id == first.id);
  CHECK(ev[0].kind == radio_event_kind::done);
  CHECK(ev[0].at_us == 1'000'000);
  CHECK(ev[1].id == second.id);
  CHECK(ev[1].kind == radio_event_kind::expired);
  CHECK(ev[1].at_us == 1'500'000); // at its ttl, not when it was passed over
  CHECK(ev[2].id == third.id);
  CHECK(ev[2].kind == radio_event_kind::done);
  CHECK(ev[2].at_us == 2'000'000);
  CHECK(ev[3].id == fourth.id);
  CHECK(ev[3].at_us == 3'000'000);
  CHECK(m.stats().expired == 1);
  // With check-ins: an ESL that wakes after its ttl expires.
  auto p = fixed(4, 10, 1000);
  p.checkin_interval_ms = 20'000;
  radio_model c{p};
  uint64_t i = 0;
  while (c.next_wake_us(esl(i), 0) < 5'000'000)
    ++i;
  auto a = c.arrive(0, gw1, esl(i), wire::op_kind::price, 3000);
  auto cev = drain(c, 4);
  REQUIRE(cev.size() == 1);
  CHECK(cev[0].id == a.id);
  CHECK(cev[0].kind == radio_event_kind::expired);
  CHECK(cev[0].at_us == 3'000'000);
}

TEST_CASE("radio: the same seed and calls give the same events; another seed other times",
          "[sim][radio]") {
  auto run = [](uint64_t seed) {
    radio_params p;
    p.slots = 3;
    p.queue_max = 20;
    p.checkin_interval_ms = 5000;
    p.seed = seed;
    radio_model m{p};
    std::vector<radio_event> all;
    for (int64_t t = 0; t < 30; ++t) {
      m.arrive(t * 100'000, t % 2 ? gw1 : gw2, esl(static_cast<uint64_t>(t)),
               t % 5 == 0 ? wire::op_kind::image : wire::op_kind::price, 20'000);
      for (auto& e : m.advance(t * 100'000))
        all.push_back(e);
    }
    for (auto& e : drain(m, 3))
      all.push_back(e);
    return all;
  };
  auto a = run(11), b = run(11), c = run(12);
  REQUIRE(a.size() == 30);
  REQUIRE(a.size() == b.size());
  bool differ = false;
  for (size_t k = 0; k < a.size(); ++k) {
    CHECK(a[k].at_us == b[k].at_us);
    CHECK(a[k].id == b[k].id);
    CHECK(a[k].kind == b[k].kind);
    differ = differ || a[k].at_us != c[k].at_us;
  }
  CHECK(differ);
  // Times are drawn from the op's range.
  radio_params p;
  p.slots = 1000;
  p.queue_max = 0;
  radio_model m{p};
  for (uint64_t i = 0; i < 200; ++i)
    m.arrive(0, gw1, esl(i), i % 2 ? wire::op_kind::image : wire::op_kind::price, 0);
  for (auto& e : m.advance(100'000'000)) {
    bool image = e.id % 2 == 0; // ids count from 1: odd ids are price
    CHECK(e.at_us >= (image ? 4'000'000 : 1'000'000));
    CHECK(e.at_us <= (image ? 8'000'000 : 2'000'000));
  }
}

TEST_CASE("radio: compression divides transmission and check-in times, never the ttl",
          "[sim][radio]") {
  auto p = fixed(1, 10, 1000);
  p.compression = 10;
  p.checkin_interval_ms = 20'000;
  radio_model m{p};
  for (uint64_t i = 0; i < 20; ++i)
    CHECK(m.next_wake_us(esl(i), 0) < 2'000'000); // 20 s / 10
  uint64_t i = 0;
  while (m.next_wake_us(esl(i), 0) > 500'000)
    ++i;
  auto w = m.next_wake_us(esl(i), 0);
  // ttl 1 s real: the compressed transmission (0.1 s) after a wake-up within 0.5 s fits.
  auto a = m.arrive(0, gw1, esl(i), wire::op_kind::price, 1000);
  auto ev = m.advance(10'000'000);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].id == a.id);
  CHECK(ev[0].kind == radio_event_kind::done);
  CHECK(ev[0].at_us == w + 100'000);
  CHECK(p.mean_tx_us(wire::op_kind::price) == Approx(100'000));
  // Ten actions, one slot: 1 s of compressed radio time, not 10 s.
  auto qp = fixed(1, 10, 1000);
  qp.compression = 10;
  radio_model r{qp};
  for (uint64_t k = 0; k < 10; ++k)
    r.arrive(0, gw1, esl(k), wire::op_kind::price, 0);
  auto rev = drain(r, 1);
  REQUIRE(rev.size() == 10);
  CHECK(rev.back().at_us == 1'000'000);
}
