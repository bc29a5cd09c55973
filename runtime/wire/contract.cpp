#include "runtime/wire/contract.hpp"

#include <array>

#include "runtime/wire/msgpack_io.hpp"

namespace shelfwire::wire {

using detail::key_path;

namespace {

/// RSSI values a status advert may carry; others are skipped as garbage.
constexpr int64_t min_advert_rssi = -200;
constexpr int64_t max_advert_rssi = 100;

} // namespace

// -- encoding ------------------------------------------------------------------

void encode(const action& x, std::string& out) {
  size_t args_bytes = 0;
  for (const auto& [k, v] : x.args)
    args_bytes += k.size() + v.size() + 10;
  detail::writer w(out, 64 + x.id.size() + args_bytes);
  w.map(6);
  w.str("v").u64(contract_version);
  w.str("id").bin(x.id);
  w.str("esl").mac(x.esl);
  w.str("op").str(to_string(x.op));
  w.str("args").args(x.args);
  w.str("ttl").u64(x.ttl_ms);
}

void encode(const response& x, std::string& out) {
  detail::writer w(out, 80);
  w.map(3 + (x.id ? 1 : 0) + (x.code ? 1 : 0) + (x.rssi ? 1 : 0));
  w.str("v").u64(contract_version);
  if (x.id)
    w.str("id").bin(*x.id);
  w.str("esl").mac(x.esl);
  w.str("ack").boolean(x.ack);
  if (x.code)
    w.str("code").u64(*x.code);
  if (x.rssi)
    w.str("rssi").i64(*x.rssi);
}

void encode(const status& x, std::string& out) {
  detail::writer w(out, 48 + x.adv.size() * 16);
  w.map(3 + (x.ts_ms ? 1 : 0));
  w.str("v").u64(contract_version);
  w.str("gw").mac(x.gw);
  if (x.ts_ms)
    w.str("ts").u64(*x.ts_ms);
  w.str("adv").array(static_cast<uint32_t>(x.adv.size()));
  for (const auto& a : x.adv)
    w.array(2).mac(a.esl).i64(a.rssi);
}

// -- decoding ------------------------------------------------------------------

decoded<action> decode_action(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<action>([&]() -> decoded<action> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 6> names{"v", "id", "esl", "op", "args", "ttl"};
    std::array<const msgpack::object*, 6> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    action a;
    const auto k_id = top.child("id");
    SHELFWIRE_WIRE_TRY(detail::require(f[1], k_id));
    SHELFWIRE_WIRE_TRY(detail::read_token(*f[1], k_id, a.id));
    const auto k_esl = top.child("esl");
    SHELFWIRE_WIRE_TRY(detail::require(f[2], k_esl));
    SHELFWIRE_WIRE_TRY(detail::read_mac(*f[2], k_esl, a.esl));
    const auto k_op = top.child("op");
    SHELFWIRE_WIRE_TRY(detail::require(f[3], k_op));
    SHELFWIRE_WIRE_TRY(detail::read_op(*f[3], k_op, a.op));
    if (!detail::absent(f[4]))
      SHELFWIRE_WIRE_TRY(detail::read_args(*f[4], top.child("args"), a.args));
    const auto k_ttl = top.child("ttl");
    SHELFWIRE_WIRE_TRY(detail::require(f[5], k_ttl));
    SHELFWIRE_WIRE_TRY(detail::read_u32(*f[5], k_ttl, a.ttl_ms));
    return a;
  });
}

decoded<response> decode_response(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<response>([&]() -> decoded<response> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 6> names{"v", "id", "esl", "ack", "code", "rssi"};
    std::array<const msgpack::object*, 6> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    response r;
    if (!detail::absent(f[1])) {
      r.id.emplace();
      SHELFWIRE_WIRE_TRY(detail::read_token(*f[1], top.child("id"), *r.id));
    }
    const auto k_esl = top.child("esl");
    SHELFWIRE_WIRE_TRY(detail::require(f[2], k_esl));
    SHELFWIRE_WIRE_TRY(detail::read_mac(*f[2], k_esl, r.esl));
    const auto k_ack = top.child("ack");
    SHELFWIRE_WIRE_TRY(detail::require(f[3], k_ack));
    SHELFWIRE_WIRE_TRY(detail::read_bool(*f[3], k_ack, r.ack));
    if (!detail::absent(f[4])) {
      r.code.emplace();
      SHELFWIRE_WIRE_TRY(detail::read_u32(*f[4], top.child("code"), *r.code));
    }
    if (!detail::absent(f[5])) {
      r.rssi.emplace();
      SHELFWIRE_WIRE_TRY(detail::read_i32(*f[5], top.child("rssi"), *r.rssi));
    }
    return r;
  });
}

decoded<status> decode_status(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<status>([&]() -> decoded<status> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 4> names{"v", "gw", "ts", "adv"};
    std::array<const msgpack::object*, 4> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    status s;
    const auto k_gw = top.child("gw");
    SHELFWIRE_WIRE_TRY(detail::require(f[1], k_gw));
    SHELFWIRE_WIRE_TRY(detail::read_mac(*f[1], k_gw, s.gw));
    if (!detail::absent(f[2])) {
      s.ts_ms.emplace();
      SHELFWIRE_WIRE_TRY(detail::read_u64(*f[2], top.child("ts"), *s.ts_ms));
    }
    const auto k_adv = top.child("adv");
    SHELFWIRE_WIRE_TRY(detail::require(f[3], k_adv));
    if (f[3]->type != msgpack::type::ARRAY)
      return unexpected{detail::wrong_type(k_adv, "array", *f[3])};
    const auto& arr = f[3]->via.array;
    s.adv.reserve(arr.size);
    for (uint32_t i = 0; i < arr.size; ++i) {
      const auto& e = arr.ptr[i];
      // A bad entry costs only itself: the rest of the report stays useful.
      if (e.type != msgpack::type::ARRAY || e.via.array.size != 2 ||
          e.via.array.ptr[0].type != msgpack::type::STR) {
        ++s.skipped_adverts;
        continue;
      }
      auto mac = esl_mac::parse(detail::str_view(e.via.array.ptr[0]));
      auto rssi = detail::as_int64(e.via.array.ptr[1]);
      if (!mac || !rssi || *rssi < min_advert_rssi || *rssi > max_advert_rssi) {
        ++s.skipped_adverts;
        continue;
      }
      s.adv.push_back(advert{*mac, static_cast<int32_t>(*rssi)});
    }
    return s;
  });
}

// -- topics --------------------------------------------------------------------

namespace {

std::string gateway_topic(std::string_view prefix, gw_mac gw, std::string_view kind) {
  char mac[12];
  detail::writer::format_mac(gw.value(), mac);
  std::string t;
  t.reserve(prefix.size() + 14 + kind.size());
  t.append(prefix).append(1, '/').append(mac, sizeof mac).append(1, '/').append(kind);
  return t;
}

} // namespace

std::string action_topic(std::string_view prefix, gw_mac gw) {
  return gateway_topic(prefix, gw, "action");
}

std::string response_topic(std::string_view prefix, gw_mac gw) {
  return gateway_topic(prefix, gw, "response");
}

std::string status_topic(std::string_view prefix, gw_mac gw) {
  return gateway_topic(prefix, gw, "status");
}

std::optional<gw_mac> gateway_of_topic(std::string_view prefix, std::string_view topic,
                                       std::string_view kind) {
  // {prefix} '/' {12 hex} '/' {kind}
  if (topic.size() != prefix.size() + 1 + 12 + 1 + kind.size())
    return std::nullopt;
  if (topic.substr(0, prefix.size()) != prefix || topic[prefix.size()] != '/')
    return std::nullopt;
  auto rest = topic.substr(prefix.size() + 1);
  if (rest[12] != '/' || rest.substr(13) != kind)
    return std::nullopt;
  return gw_mac::parse(rest.substr(0, 12));
}

} // namespace shelfwire::wire
