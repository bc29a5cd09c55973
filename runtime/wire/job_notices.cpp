#include "runtime/wire/job_notices.hpp"

#include "runtime/wire/job_fields.hpp"
#include "runtime/wire/msgpack_io.hpp"

namespace shelfwire::wire {

using detail::key_path;

namespace {

template <class Int, class Read>
detail::maybe_error read_int_field(const msgpack::object* o, const key_path& where, Int& out,
                                   Read read) {
  if (auto e = detail::require(o, where))
    return e;
  return read(*o, where, out);
}

} // namespace

// -- receipt -------------------------------------------------------------------

void encode(const job_receipt& x, std::string& out) {
  detail::writer w(out, 64 + x.job.size() + x.node.size() + x.standby.size());
  w.map(5);
  w.str("v").u64(contract_version);
  w.str("job").str(x.job);
  w.str("node").str(x.node);
  w.str("standby").str(x.standby);
  w.str("commands").u64(x.commands);
}

decoded<job_receipt> decode_job_receipt(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<job_receipt>([&]() -> decoded<job_receipt> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 5> names{"v", "job", "node", "standby",
                                                           "commands"};
    std::array<const msgpack::object*, 5> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    job_receipt r;
    SHELFWIRE_WIRE_TRY(detail::read_job_id(f[1], top.child("job"), r.job));
    SHELFWIRE_WIRE_TRY(detail::read_required_string(f[2], top.child("node"), r.node));
    SHELFWIRE_WIRE_TRY(detail::read_required_string(f[3], top.child("standby"), r.standby));
    SHELFWIRE_WIRE_TRY(read_int_field(f[4], top.child("commands"), r.commands, detail::read_u64));
    return r;
  });
}

// -- progress ------------------------------------------------------------------

void encode(const job_progress& x, std::string& out) {
  detail::writer w(out, 64 + x.job.size() + x.node.size());
  w.map(5);
  w.str("v").u64(contract_version);
  w.str("job").str(x.job);
  w.str("node").str(x.node);
  w.str("done").u64(x.done);
  w.str("total").u64(x.total);
}

decoded<job_progress> decode_job_progress(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<job_progress>([&]() -> decoded<job_progress> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 5> names{"v", "job", "node", "done", "total"};
    std::array<const msgpack::object*, 5> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    job_progress r;
    SHELFWIRE_WIRE_TRY(detail::read_job_id(f[1], top.child("job"), r.job));
    SHELFWIRE_WIRE_TRY(detail::read_required_string(f[2], top.child("node"), r.node));
    SHELFWIRE_WIRE_TRY(read_int_field(f[3], top.child("done"), r.done, detail::read_u64));
    SHELFWIRE_WIRE_TRY(read_int_field(f[4], top.child("total"), r.total, detail::read_u64));
    if (r.done > r.total)
      return unexpected{
          detail::make_error(decode_errc::bad_value, top.child("done"),
                             std::to_string(r.done) + " exceeds total " + std::to_string(r.total))};
    return r;
  });
}

// -- dead letter ---------------------------------------------------------------

void encode(const dead_letter& x, std::string& out) {
  detail::writer w(out, 160 + x.job.size() + x.reason.size());
  w.map(10);
  w.str("v").u64(contract_version);
  w.str("job").str(x.job);
  w.str("index").u64(x.index);
  w.str("esl").mac(x.esl);
  w.str("op").str(to_string(x.op));
  w.str("status").str(to_string(x.status));
  w.str("code").u64(x.code);
  w.str("gw");
  if (x.gw)
    w.mac(*x.gw);
  else
    w.nil();
  w.str("attempts").u64(x.attempts);
  w.str("reason").str(x.reason);
}

decoded<dead_letter> decode_dead_letter(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<dead_letter>([&]() -> decoded<dead_letter> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 10> names{
        "v", "job", "index", "esl", "op", "status", "code", "gw", "attempts", "reason"};
    std::array<const msgpack::object*, 10> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    dead_letter r;
    SHELFWIRE_WIRE_TRY(detail::read_job_id(f[1], top.child("job"), r.job));
    SHELFWIRE_WIRE_TRY(read_int_field(f[2], top.child("index"), r.index, detail::read_u32));
    const auto k_esl = top.child("esl");
    SHELFWIRE_WIRE_TRY(detail::require(f[3], k_esl));
    SHELFWIRE_WIRE_TRY(detail::read_mac(*f[3], k_esl, r.esl));
    const auto k_op = top.child("op");
    SHELFWIRE_WIRE_TRY(detail::require(f[4], k_op));
    SHELFWIRE_WIRE_TRY(detail::read_op(*f[4], k_op, r.op));
    const auto k_st = top.child("status");
    SHELFWIRE_WIRE_TRY(detail::require(f[5], k_st));
    std::string_view st;
    SHELFWIRE_WIRE_TRY(detail::read_str(*f[5], k_st, st));
    auto parsed = parse_outcome_status(st);
    if (!parsed)
      return unexpected{
          detail::make_error(decode_errc::bad_value, k_st, "unknown status " + detail::quoted(st))};
    r.status = *parsed;
    SHELFWIRE_WIRE_TRY(read_int_field(f[6], top.child("code"), r.code, detail::read_u32));
    if (!detail::absent(f[7])) {
      gw_mac gw;
      SHELFWIRE_WIRE_TRY(detail::read_mac(*f[7], top.child("gw"), gw));
      r.gw = gw;
    }
    SHELFWIRE_WIRE_TRY(read_int_field(f[8], top.child("attempts"), r.attempts, detail::read_u32));
    SHELFWIRE_WIRE_TRY(detail::read_required_string(f[9], top.child("reason"), r.reason));
    return r;
  });
}

} // namespace shelfwire::wire
