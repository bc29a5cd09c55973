#pragma once

// Helpers for the wire tests: a raw MessagePack byte builder that does not
// use msgpack-cxx (so the tests can write any encoding, valid or not, and do
// not share code with the codec under test), payload fixtures as editable
// key/value lists, and comparisons of decoded structs.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/wire/contract.hpp"
#include "runtime/wire/job_notices.hpp"
#include "runtime/wire/jobs.hpp"

namespace wire_test {

using namespace shelfwire;
using namespace shelfwire::wire;

/// Writes MessagePack bytes by hand. The plain methods pick the smallest
/// encoding (as a compact encoder must); the sized ones force a width.
class mp {
public:
  mp& raw(std::string_view b) {
    out_.append(b);
    return *this;
  }
  mp& byte(uint8_t b) {
    out_ += static_cast<char>(b);
    return *this;
  }
  mp& be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      byte(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }

  mp& nil() { return byte(0xC0); }
  mp& boolean(bool b) { return byte(b ? 0xC3 : 0xC2); }

  mp& uint(uint64_t v) {
    if (v < 0x80)
      return byte(static_cast<uint8_t>(v));
    if (v <= 0xFF)
      return u8(v);
    if (v <= 0xFFFF)
      return u16(v);
    if (v <= 0xFFFFFFFFull)
      return u32(v);
    return u64(v);
  }
  mp& u8(uint64_t v) { return byte(0xCC).be(v, 1); }
  mp& u16(uint64_t v) { return byte(0xCD).be(v, 2); }
  mp& u32(uint64_t v) { return byte(0xCE).be(v, 4); }
  mp& u64(uint64_t v) { return byte(0xCF).be(v, 8); }

  /// Negative values in the smallest int form; non-negative ones as uint().
  mp& sint(int64_t v) {
    if (v >= 0)
      return uint(static_cast<uint64_t>(v));
    if (v >= -32)
      return byte(static_cast<uint8_t>(v));
    if (v >= -128)
      return i8(v);
    if (v >= -32768)
      return i16(v);
    if (v >= INT32_MIN)
      return i32(v);
    return i64(v);
  }
  mp& i8(int64_t v) { return byte(0xD0).be(static_cast<uint64_t>(v), 1); }
  mp& i16(int64_t v) { return byte(0xD1).be(static_cast<uint64_t>(v), 2); }
  mp& i32(int64_t v) { return byte(0xD2).be(static_cast<uint64_t>(v), 4); }
  mp& i64(int64_t v) { return byte(0xD3).be(static_cast<uint64_t>(v), 8); }

  mp& f32(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return byte(0xCA).be(u, 4);
  }
  mp& f64(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    return byte(0xCB).be(u, 8);
  }

  mp& str(std::string_view s) {
    if (s.size() < 32)
      byte(static_cast<uint8_t>(0xA0 | s.size()));
    else if (s.size() <= 0xFF)
      byte(0xD9).be(s.size(), 1);
    else if (s.size() <= 0xFFFF)
      byte(0xDA).be(s.size(), 2);
    else
      byte(0xDB).be(s.size(), 4);
    return raw(s);
  }
  mp& str32(std::string_view s) { return byte(0xDB).be(s.size(), 4).raw(s); }

  mp& bin(std::string_view s) {
    if (s.size() <= 0xFF)
      byte(0xC4).be(s.size(), 1);
    else if (s.size() <= 0xFFFF)
      byte(0xC5).be(s.size(), 2);
    else
      byte(0xC6).be(s.size(), 4);
    return raw(s);
  }

  mp& ext(int8_t type, std::string_view data) {
    switch (data.size()) {
    case 1:
      byte(0xD4);
      break;
    case 2:
      byte(0xD5);
      break;
    case 4:
      byte(0xD6);
      break;
    case 8:
      byte(0xD7);
      break;
    case 16:
      byte(0xD8);
      break;
    default:
      byte(0xC7).be(data.size(), 1);
    }
    byte(static_cast<uint8_t>(type));
    return raw(data);
  }

  mp& array(uint32_t n) {
    if (n < 16)
      return byte(static_cast<uint8_t>(0x90 | n));
    if (n <= 0xFFFF)
      return byte(0xDC).be(n, 2);
    return byte(0xDD).be(n, 4);
  }
  mp& array32(uint32_t n) { return byte(0xDD).be(n, 4); }
  mp& map(uint32_t n) {
    if (n < 16)
      return byte(static_cast<uint8_t>(0x80 | n));
    if (n <= 0xFFFF)
      return byte(0xDE).be(n, 2);
    return byte(0xDF).be(n, 4);
  }
  mp& map16(uint32_t n) { return byte(0xDE).be(n, 2); }

  /// A MAC as a 12-digit string.
  template <class Tag>
  mp& mac(mac48<Tag> m) {
    return str(m.to_string());
  }

  const std::string& bytes() const { return out_; }
  operator std::string() const { return out_; }
  /// Valid while this builder lives (a temporary: to the end of the full
  /// expression), so `decode_action(mp().map(0))` works.
  operator std::string_view() const { return out_; }

private:
  std::string out_;
};

/// A payload map as a list of (raw key bytes, raw value bytes), so tests can
/// drop, replace, add or reorder entries and re-encode.
struct fields {
  std::vector<std::pair<std::string, std::string>> kv;

  /// Adds an entry with a string key.
  fields& set(std::string_view key, std::string value) {
    for (auto& e : kv)
      if (e.first == std::string(mp().str(key))) {
        e.second = std::move(value);
        return *this;
      }
    kv.emplace_back(mp().str(key), std::move(value));
    return *this;
  }
  /// Adds an entry with any raw key, even a duplicate.
  fields& add_raw(std::string key, std::string value, bool front = false) {
    if (front)
      kv.emplace(kv.begin(), std::move(key), std::move(value));
    else
      kv.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  fields& add(std::string_view key, std::string value, bool front = false) {
    return add_raw(mp().str(key), std::move(value), front);
  }
  fields& erase(std::string_view key) {
    std::string k = mp().str(key);
    for (auto i = kv.begin(); i != kv.end(); ++i)
      if (i->first == k) {
        kv.erase(i);
        break;
      }
    return *this;
  }
  fields with(std::string_view key, std::string value) const {
    auto f = *this;
    f.set(key, std::move(value));
    return f;
  }
  fields without(std::string_view key) const {
    auto f = *this;
    f.erase(key);
    return f;
  }
  /// The payload map.
  std::string encode() const {
    mp m;
    m.map(static_cast<uint32_t>(kv.size()));
    for (auto& [k, v] : kv)
      m.raw(k).raw(v);
    return m;
  }
  operator std::string() const { return encode(); }
  /// The encoded map, kept in this object: valid while it lives and is not
  /// changed, so `decode_action(action_fields().without("v"))` works.
  operator std::string_view() const {
    encoded_ = encode();
    return encoded_;
  }

private:
  mutable std::string encoded_;
};

// -- fixtures ------------------------------------------------------------------

inline const esl_mac esl_a = esl_mac::from_u64(0xAABBCCDDEEFF);
inline const esl_mac esl_b = esl_mac::from_u64(0x00000000000A);
inline const gw_mac gw_a = gw_mac::from_u64(0x0123456789AB);

/// A 22-byte binary token (contents arbitrary).
inline std::string sample_token() {
  std::string t;
  for (int i = 0; i < 22; ++i)
    t += static_cast<char>(i * 11 + 1);
  return t;
}

inline fields action_fields() {
  fields f;
  f.add("v", mp().uint(1));
  f.add("id", mp().bin(sample_token()));
  f.add("esl", mp().str("AABBCCDDEEFF"));
  f.add("op", mp().str("price"));
  f.add("args", mp().map(2).str("price").str("9.99").str("currency").str("EUR"));
  f.add("ttl", mp().uint(30000));
  return f;
}

inline fields response_fields() {
  fields f;
  f.add("v", mp().uint(1));
  f.add("id", mp().bin(sample_token()));
  f.add("esl", mp().str("AABBCCDDEEFF"));
  f.add("ack", mp().boolean(true));
  f.add("code", mp().uint(0));
  f.add("rssi", mp().sint(-61));
  return f;
}

inline fields status_fields() {
  fields f;
  f.add("v", mp().uint(1));
  f.add("gw", mp().str("0123456789AB"));
  f.add("ts", mp().uint(1700000000123ull));
  f.add(
      "adv",
      mp().array(2).array(2).str("AABBCCDDEEFF").sint(-50).array(2).str("00000000000A").sint(-90));
  return f;
}

inline fields job_fields() {
  fields f;
  f.add("v", mp().uint(1));
  f.add("job", mp().str("store-7:price-2024.05_01"));
  f.add("commands", mp().array(3)
                        .map(3)
                        .str("esl")
                        .str("AABBCCDDEEFF")
                        .str("op")
                        .str("price")
                        .str("args")
                        .map(1)
                        .str("price")
                        .str("1.99")
                        .map(2)
                        .str("esl")
                        .str("00000000000A")
                        .str("op")
                        .str("blink")
                        .map(2)
                        .str("esl")
                        .str("aabbccddeeff")
                        .str("op")
                        .str("ping"));
  return f;
}

/// One outcome map with every key; `gw` nil when `gw` is empty.
inline std::string outcome_map(std::string_view esl, std::string_view op, std::string_view status,
                               uint64_t code, std::string_view gw, uint64_t attempts,
                               uint64_t latency_us, std::string_view reason) {
  mp m;
  m.map(8).str("esl").str(esl).str("op").str(op).str("status").str(status).str("code").uint(code);
  m.str("gw");
  if (gw.empty())
    m.nil();
  else
    m.str(gw);
  m.str("attempts").uint(attempts).str("latency_us").uint(latency_us).str("reason").str(reason);
  return m;
}

inline std::string counts_map(uint64_t acked, uint64_t nacked, uint64_t timed_out,
                              uint64_t unroutable, uint64_t failed, uint64_t superseded) {
  return mp()
      .map(6)
      .str("acked")
      .uint(acked)
      .str("nacked")
      .uint(nacked)
      .str("timed_out")
      .uint(timed_out)
      .str("unroutable")
      .uint(unroutable)
      .str("failed")
      .uint(failed)
      .str("superseded")
      .uint(superseded);
}

inline fields result_fields() {
  fields f;
  f.add("v", mp().uint(1));
  f.add("job", mp().str("job-1"));
  f.add("node", mp().str("node-a"));
  f.add("status", mp().str("done"));
  f.add("counts", counts_map(1, 1, 0, 1, 0, 0));
  f.add(
      "outcomes",
      mp().array(3)
          .raw(outcome_map("AABBCCDDEEFF", "price", "acked", 0, "0123456789AB", 1, 1500, ""))
          .raw(outcome_map("00000000000A", "image", "nacked", 3, "0123456789AB", 2, 250000,
                           "gateway_nack"))
          .raw(outcome_map("00000000000B", "ping", "unroutable", 0, "", 0, 10, "no_fresh_route")));
  return f;
}

inline fields rejection_fields() {
  fields f;
  f.add("v", mp().uint(1));
  f.add("node", mp().str("node-a"));
  f.add("error", mp().str("malformed"));
  f.add("detail", mp().str("not_a_map: top level is array"));
  return f;
}

// -- comparisons ---------------------------------------------------------------

inline bool same(const action& a, const action& b) {
  return a.id == b.id && a.esl == b.esl && a.op == b.op && a.args == b.args && a.ttl_ms == b.ttl_ms;
}
inline bool same(const response& a, const response& b) {
  return a.id == b.id && a.esl == b.esl && a.ack == b.ack && a.code == b.code && a.rssi == b.rssi;
}
inline bool same(const status& a, const status& b) {
  if (a.gw != b.gw || a.ts_ms != b.ts_ms || a.adv.size() != b.adv.size() ||
      a.skipped_adverts != b.skipped_adverts)
    return false;
  for (size_t i = 0; i < a.adv.size(); ++i)
    if (a.adv[i].esl != b.adv[i].esl || a.adv[i].rssi != b.adv[i].rssi)
      return false;
  return true;
}
inline bool same(const job_submission& a, const job_submission& b) {
  if (a.job != b.job || a.commands.size() != b.commands.size() || a.prio != b.prio ||
      a.rate_per_s != b.rate_per_s || a.abort_threshold != b.abort_threshold ||
      a.abort_min_outcomes != b.abort_min_outcomes)
    return false;
  for (size_t i = 0; i < a.commands.size(); ++i) {
    auto& x = a.commands[i];
    auto& y = b.commands[i];
    if (x.esl != y.esl || x.op != y.op || x.args != y.args)
      return false;
  }
  return true;
}
inline bool same(const command_result& a, const command_result& b) {
  return a.esl == b.esl && a.op == b.op && a.status == b.status && a.code == b.code &&
         a.gw == b.gw && a.attempts == b.attempts && a.latency_us == b.latency_us &&
         a.reason == b.reason && a.backbone_us == b.backbone_us;
}
inline bool same(const job_result& a, const job_result& b) {
  if (a.job != b.job || a.node != b.node || a.rejected != b.rejected || a.error != b.error ||
      a.outcomes.size() != b.outcomes.size())
    return false;
  for (size_t i = 0; i < a.outcomes.size(); ++i)
    if (!same(a.outcomes[i], b.outcomes[i]))
      return false;
  return true;
}
inline bool same(const job_rejection& a, const job_rejection& b) {
  return a.node == b.node && a.error == b.error && a.detail == b.detail;
}
inline bool same(const job_receipt& a, const job_receipt& b) {
  return a.job == b.job && a.node == b.node && a.standby == b.standby && a.commands == b.commands;
}
inline bool same(const job_progress& a, const job_progress& b) {
  return a.job == b.job && a.node == b.node && a.done == b.done && a.total == b.total;
}
inline bool same(const dead_letter& a, const dead_letter& b) {
  return a.job == b.job && a.index == b.index && a.esl == b.esl && a.op == b.op &&
         a.status == b.status && a.code == b.code && a.gw == b.gw && a.attempts == b.attempts &&
         a.reason == b.reason;
}

/// "ok" or the error, for INFO() and failure messages.
template <class T>
std::string describe(const decoded<T>& d) {
  return d ? std::string("ok") : d.error().to_string();
}

/// Hex dump for failure messages.
inline std::string hex(std::string_view b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
    out += ' ';
  }
  return out;
}

} // namespace wire_test
