#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "tests/unit/wire/wire_test_support.hpp"

using namespace wire_test;

// A deterministic mutation fuzz loop: valid payloads of every kind, damaged by
// random bit flips, byte writes, insertions, deletions, truncations and
// splices, fed to every decoder. No exception may escape, and whatever
// decodes must hold valid values and survive encode -> decode unchanged.

namespace {

/// splitmix64: the same sequence on every platform and standard library.
struct rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
  uint8_t byte() { return static_cast<uint8_t>(next()); }
};

std::vector<std::string> seeds() {
  std::vector<std::string> s;
  std::string out;

  action a;
  a.id = sample_token();
  a.esl = esl_a;
  a.op = op_kind::image;
  a.args = {{"url", "https://example.com/x.png"}, {"page", "2"}};
  a.ttl_ms = 180000;
  encode(a, out);
  s.push_back(out);
  a.args.clear();
  encode(a, out);
  s.push_back(out);

  response r;
  r.id = sample_token();
  r.esl = esl_b;
  r.ack = true;
  r.code = 2;
  r.rssi = -70;
  encode(r, out);
  s.push_back(out);
  r.id.reset();
  r.code.reset();
  encode(r, out);
  s.push_back(out);

  status st;
  st.gw = gw_a;
  st.ts_ms = 1700000000000ull;
  for (uint64_t i = 0; i < 10; ++i)
    st.adv.push_back({esl_mac::from_u64(0xA0000 + i), -40 - static_cast<int32_t>(i * 7)});
  encode(st, out);
  s.push_back(out);

  job_submission j;
  j.job = "fuzz-job:1";
  j.commands.push_back({esl_a, op_kind::price, {{"price", "3.49"}, {"unit", "kg"}}});
  j.commands.push_back({esl_b, op_kind::ping, {}});
  j.commands.push_back({esl_mac::from_u64(3), op_kind::page, {{"n", "1"}}});
  encode(j, out);
  s.push_back(out);

  job_result res;
  res.job = "fuzz-job:1";
  res.node = "node-1";
  res.outcomes.push_back(
      {esl_a, op_kind::price, outcome_status::acked, 0, gw_a, 1, 1234, "", uint64_t{800}});
  res.outcomes.push_back({esl_b, op_kind::ping, outcome_status::nacked, 4, gw_a, 2, 99999,
                          "gateway_nack", uint64_t{9}});
  res.outcomes.push_back({esl_mac::from_u64(3), op_kind::page, outcome_status::unroutable, 0,
                          std::nullopt, 0, 5, "no_fresh_route", std::nullopt});
  encode(res, out);
  s.push_back(out);
  job_result rej;
  rej.job = "fuzz-job:2";
  rej.node = "node-1";
  rej.rejected = true;
  rej.error = "overloaded";
  encode(rej, out);
  s.push_back(out);

  encode(job_rejection{"node-1", "malformed", "truncated: empty payload"}, out);
  s.push_back(out);
  encode(job_receipt{"fuzz-job:1", "node-1", "node-2", 3}, out);
  s.push_back(out);
  encode(job_progress{"fuzz-job:1", "node-1", 2, 3}, out);
  s.push_back(out);
  encode(dead_letter{"fuzz-job:1", 1, esl_b, op_kind::ping, outcome_status::nacked, 4, gw_a, 2,
                     "gateway_nack"},
         out);
  s.push_back(out);
  // More of the notices' shapes (one seed each decodes too rarely after mutation).
  encode(job_receipt{"fuzz-job:2", "n", "", 0}, out);
  s.push_back(out);
  encode(job_receipt{"j", "node-3", "node-1", 100000}, out);
  s.push_back(out);
  encode(job_progress{"fuzz-job:2", "n", 0, 0}, out);
  s.push_back(out);
  encode(job_progress{"j", "node-3", 99, 100000}, out);
  s.push_back(out);
  encode(dead_letter{"fuzz-job:2", 0, esl_a, op_kind::price, outcome_status::timed_out, 0,
                     std::nullopt, 3, "no_reply"},
         out);
  s.push_back(out);
  encode(dead_letter{"j", 99999, esl_mac::from_u64(3), op_kind::image, outcome_status::unroutable,
                     0, std::nullopt, 0, "no_fresh_route"},
         out);
  s.push_back(out);

  // Hand-built fixtures, with unknown keys of several types.
  for (auto f : {action_fields(), response_fields(), status_fields(), job_fields(), result_fields(),
                 rejection_fields()}) {
    f.add("x-ext", mp().ext(-1, std::string(4, '\x01')), true);
    f.add("x-nested", mp().map(1).str("a").array(2).f64(1.5).nil());
    s.push_back(f.encode());
  }
  return s;
}

const uint8_t interesting[] = {0x00, 0x01, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                               0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xCA,
                               0xCB, 0xCC, 0xCF, 0xD0, 0xD3, 0xD4, 0xD8, 0xD9, 0xDA,
                               0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0, 0xFF};

void mutate(std::string& b, rng& r, const std::vector<std::string>& pool) {
  switch (r.below(9)) {
  case 0: // flip a bit
    if (!b.empty())
      b[r.below(b.size())] ^= static_cast<char>(1u << r.below(8));
    break;
  case 1: // random byte
    if (!b.empty())
      b[r.below(b.size())] = static_cast<char>(r.byte());
    break;
  case 2: // interesting byte
    if (!b.empty())
      b[r.below(b.size())] = static_cast<char>(interesting[r.below(sizeof interesting)]);
    break;
  case 3: { // insert random bytes
    std::string ins;
    for (size_t n = 1 + r.below(8); n > 0; --n)
      ins += static_cast<char>(r.byte());
    b.insert(r.below(b.size() + 1), ins);
    break;
  }
  case 4: // delete a range
    if (!b.empty()) {
      auto at = r.below(b.size());
      b.erase(at, 1 + r.below(8));
    }
    break;
  case 5: // truncate
    b.resize(r.below(b.size() + 1));
    break;
  case 6: // duplicate a chunk
    if (!b.empty()) {
      auto at = r.below(b.size());
      auto chunk = b.substr(at, 1 + r.below(16));
      b.insert(r.below(b.size() + 1), chunk);
    }
    break;
  case 7: { // splice a chunk of another payload
    const auto& other = pool[r.below(pool.size())];
    auto at = r.below(other.size());
    b.insert(r.below(b.size() + 1), other.substr(at, 1 + r.below(24)));
    break;
  }
  case 8: // an extreme big-endian number over 2 or 4 bytes
    if (b.size() >= 4) {
      static const uint32_t values[] = {0, 0xFFFF, 0x7FFF, 0xFFFFFFFF, 0x7FFFFFFF, 0x10000};
      auto v = values[r.below(6)];
      size_t n = r.below(2) ? 4 : 2;
      auto at = r.below(b.size() - n + 1);
      for (size_t i = 0; i < n; ++i)
        b[at + i] = static_cast<char>(v >> (8 * (n - 1 - i)));
    }
    break;
  }
}

struct tally {
  size_t escaped = 0;
  size_t violations = 0;
  std::string first_violation;
  std::map<std::string, size_t> ok;
  std::map<std::string, size_t> failed;
  std::set<decode_errc> codes;

  void violation(const std::string& what, std::string_view input) {
    if (violations++ == 0)
      first_violation = what + " on input [" + hex(input) + "]";
  }
};

bool valid_mac(uint64_t v) {
  return v <= 0xFFFFFFFFFFFFull;
}
bool valid_op(op_kind op) {
  return static_cast<unsigned>(op) < 5;
}
bool unique_names(const arg_list& a) {
  std::set<std::string> names;
  for (const auto& [k, v] : a)
    if (!names.insert(k).second)
      return false;
  return true;
}

template <class T>
void count(tally& t, const char* kind, const decoded<T>& d, std::string_view input) {
  if (d) {
    ++t.ok[kind];
    return;
  }
  ++t.failed[kind];
  const auto& e = d.error();
  t.codes.insert(e.code);
  if (static_cast<unsigned>(e.code) > static_cast<unsigned>(decode_errc::bad_value))
    t.violation(std::string(kind) + ": error code out of range", input);
  if (e.to_string().empty() || to_string(e.code) == "unknown")
    t.violation(std::string(kind) + ": error without text", input);
  switch (e.code) {
  case decode_errc::too_large:
  case decode_errc::not_msgpack:
  case decode_errc::truncated:
  case decode_errc::trailing_bytes:
  case decode_errc::not_a_map:
    if (!e.key.empty() && e.code != decode_errc::not_a_map)
      t.violation(std::string(kind) + ": framing error with a key: " + e.to_string(), input);
    break;
  default:
    break;
  }
}

/// Runs every decoder on `input`; checks what decodes.
void check_input(tally& t, std::string_view input, const decode_limits& lim) {
  std::string out;
  try {
    auto a = decode_action(input, lim);
    count(t, "action", a, input);
    if (a) {
      if (a->id.size() > max_token_bytes || !valid_mac(a->esl.value()) || !valid_op(a->op) ||
          !unique_names(a->args))
        t.violation("action: invalid value", input);
      encode(*a, out);
      auto again = decode_action(out);
      if (!again || !same(*again, *a))
        t.violation("action: re-encode changed it: " + describe(again), input);
    }
  } catch (...) {
    ++t.escaped;
  }
  try {
    auto r = decode_response(input, lim);
    count(t, "response", r, input);
    if (r) {
      if ((r->id && r->id->size() > max_token_bytes) || !valid_mac(r->esl.value()))
        t.violation("response: invalid value", input);
      encode(*r, out);
      auto again = decode_response(out);
      if (!again || !same(*again, *r))
        t.violation("response: re-encode changed it: " + describe(again), input);
    }
  } catch (...) {
    ++t.escaped;
  }
  try {
    auto s = decode_status(input, lim);
    count(t, "status", s, input);
    if (s) {
      for (const auto& a : s->adv)
        if (a.rssi < -200 || a.rssi > 100 || !valid_mac(a.esl.value()))
          t.violation("status: invalid advert", input);
      encode(*s, out);
      auto again = decode_status(out);
      auto want = *s;
      want.skipped_adverts = 0;
      if (!again || !same(*again, want))
        t.violation("status: re-encode changed it: " + describe(again), input);
    }
  } catch (...) {
    ++t.escaped;
  }
  try {
    auto j = decode_job(input, lim);
    count(t, "job", j, input);
    if (j) {
      if (!check_job_id(j->job).empty())
        t.violation("job: invalid job id", input);
      for (const auto& c : j->commands)
        if (!valid_mac(c.esl.value()) || !valid_op(c.op) || !unique_names(c.args))
          t.violation("job: invalid command", input);
      encode(*j, out);
      auto again = decode_job(out);
      if (!again || !same(*again, *j))
        t.violation("job: re-encode changed it: " + describe(again), input);
      if (salvage_job_id(input) != j->job)
        t.violation("job: salvage disagrees with decode", input);
    }
  } catch (...) {
    ++t.escaped;
  }
  try {
    auto res = decode_job_result(input, lim);
    count(t, "result", res, input);
    if (res) {
      if (!check_job_id(res->job).empty())
        t.violation("result: invalid job id", input);
      for (const auto& o : res->outcomes)
        if (!valid_mac(o.esl.value()) || !valid_op(o.op) || static_cast<unsigned>(o.status) > 5)
          t.violation("result: invalid outcome", input);
      encode(*res, out);
      auto again = decode_job_result(out);
      auto want = *res;
      if (!want.rejected)
        want.error.clear(); // `error` is only written when rejected
      if (!again || !same(*again, want))
        t.violation("result: re-encode changed it: " + describe(again), input);
    }
  } catch (...) {
    ++t.escaped;
  }
  try {
    auto rj = decode_job_rejection(input, lim);
    count(t, "rejection", rj, input);
    if (rj) {
      encode(*rj, out);
      auto again = decode_job_rejection(out);
      if (!again || !same(*again, *rj))
        t.violation("rejection: re-encode changed it", input);
    }
  } catch (...) {
    ++t.escaped;
  }
  try {
    auto rc = decode_job_receipt(input, lim);
    count(t, "receipt", rc, input);
    if (rc) {
      if (!check_job_id(rc->job).empty())
        t.violation("receipt: invalid job id", input);
      encode(*rc, out);
      auto again = decode_job_receipt(out);
      if (!again || !same(*again, *rc))
        t.violation("receipt: re-encode changed it", input);
    }
    auto pg = decode_job_progress(input, lim);
    count(t, "progress", pg, input);
    if (pg) {
      if (pg->done > pg->total)
        t.violation("progress: done > total", input);
      encode(*pg, out);
      auto again = decode_job_progress(out);
      if (!again || !same(*again, *pg))
        t.violation("progress: re-encode changed it", input);
    }
    auto dl = decode_dead_letter(input, lim);
    count(t, "dead letter", dl, input);
    if (dl) {
      if (!valid_mac(dl->esl.value()) || !valid_op(dl->op) || static_cast<unsigned>(dl->status) > 5)
        t.violation("dead letter: invalid value", input);
      encode(*dl, out);
      auto again = decode_dead_letter(out);
      if (!again || !same(*again, *dl))
        t.violation("dead letter: re-encode changed it", input);
    }
  } catch (...) {
    ++t.escaped;
  }
  try {
    auto job = salvage_job_id(input);
    if (job && !check_job_id(*job).empty())
      t.violation("salvage: invalid job id", input);
  } catch (...) {
    ++t.escaped;
  }
}

} // namespace

TEST_CASE("mutation fuzz: decoders never throw and only accept valid values") {
  const auto pool = seeds();
  for (const auto& s : pool) // the seeds themselves decode with some decoder
    REQUIRE((decode_action(s) || decode_response(s) || decode_status(s) || decode_job(s) ||
             decode_job_result(s) || decode_job_rejection(s) || decode_job_receipt(s) ||
             decode_job_progress(s) || decode_dead_letter(s)));

  decode_limits tight;
  tight.max_bytes = 200;
  tight.max_array = 6;
  tight.max_map = 9;
  tight.max_str = 24;
  tight.max_bin = 24;
  tight.max_depth = 3;

  rng r{20240501};
  tally t;
  constexpr int iterations = 20000;
  for (int i = 0; i < iterations; ++i) {
    std::string b = pool[r.below(pool.size())];
    for (size_t m = 1 + r.below(4); m > 0; --m)
      mutate(b, r, pool);
    check_input(t, b, i % 4 == 0 ? tight : decode_limits{});
  }

  INFO(t.first_violation);
  CHECK(t.escaped == 0);
  CHECK(t.violations == 0);
  // The loop must exercise both sides: damaged payloads that still decode
  // (so the value checks above ran) and many kinds of refusal.
  for (const char* kind : {"action", "response", "status", "job", "result", "rejection", "receipt",
                           "progress", "dead letter"}) {
    INFO(kind);
    CHECK(t.ok[kind] > 25);
    CHECK(t.failed[kind] > 1000);
  }
  for (auto c : {decode_errc::not_msgpack, decode_errc::truncated, decode_errc::trailing_bytes,
                 decode_errc::not_a_map, decode_errc::limit_exceeded, decode_errc::missing_key,
                 decode_errc::wrong_type, decode_errc::unsupported_version, decode_errc::bad_value,
                 decode_errc::too_large}) {
    INFO(to_string(c));
    CHECK(t.codes.count(c) == 1);
  }
}

TEST_CASE("random bytes never crash a decoder") {
  rng r{7};
  tally t;
  for (int i = 0; i < 5000; ++i) {
    std::string b;
    // Bias towards msgpack container headers so that parsing goes deep.
    for (size_t n = r.below(64); n > 0; --n)
      b += static_cast<char>(r.below(3) == 0 ? interesting[r.below(sizeof interesting)] : r.byte());
    check_input(t, b, decode_limits{});
  }
  INFO(t.first_violation);
  CHECK(t.escaped == 0);
  CHECK(t.violations == 0);
}
