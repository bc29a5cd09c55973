#include "runtime/wire/jobs.hpp"

#include <cmath>
#include <cstdio>

#include "runtime/wire/job_fields.hpp"
#include "runtime/wire/msgpack_io.hpp"

namespace shelfwire::wire {

using detail::key_path;

namespace {

constexpr size_t max_job_id = 128;

constexpr std::string_view status_done = "done";
constexpr std::string_view status_rejected = "rejected";

bool job_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

/// An element of an array that must be a map ("commands[3]").
detail::maybe_error require_map_element(const msgpack::object& o, const key_path& where) {
  if (o.type == msgpack::type::MAP)
    return std::nullopt;
  std::string d = "expected map, got ";
  d += detail::type_name(o);
  return detail::make_error(decode_errc::not_a_map, where, std::move(d));
}

detail::maybe_error read_array(const msgpack::object* o, const key_path& where) {
  if (auto e = detail::require(o, where))
    return e;
  if (o->type != msgpack::type::ARRAY)
    return detail::wrong_type(where, "array", *o);
  return std::nullopt;
}

/// Finds the top-level `job` string of a payload without building objects,
/// stopping as soon as it has it: works on truncated, oversized or otherwise
/// broken payloads as long as `job` comes before the damage.
class job_finder : public msgpack::null_visitor {
public:
  static constexpr size_t max_depth = 64;

  bool visit_nil() { return scalar(); }
  bool visit_boolean(bool) { return scalar(); }
  bool visit_positive_integer(uint64_t) { return scalar(); }
  bool visit_negative_integer(int64_t) { return scalar(); }
  bool visit_float32(float) { return scalar(); }
  bool visit_float64(double) { return scalar(); }
  bool visit_bin(const char*, uint32_t) { return scalar(); }
  bool visit_ext(const char*, uint32_t) { return scalar(); }
  bool visit_str(const char* p, uint32_t n) {
    if (depth_ == 0)
      return false; // top level is not a map
    if (depth_ == 1) {
      std::string_view s = n == 0 ? std::string_view{} : std::string_view{p, n};
      if (in_key_) {
        key_is_job_ = s == "job";
      } else if (key_is_job_) {
        job_ = s;
        found_ = true;
        return false; // got it: stop
      }
    }
    return true;
  }
  bool start_array(uint32_t) {
    if (depth_ == 0)
      return false;
    return enter();
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool start_map(uint32_t) { return enter(); }
  bool end_map() {
    --depth_;
    return true;
  }
  bool start_map_key() {
    if (depth_ == 1) {
      in_key_ = true;
      key_is_job_ = false;
    }
    return true;
  }
  bool end_map_key() {
    if (depth_ == 1)
      in_key_ = false;
    return true;
  }

  bool found() const { return found_; }
  std::string_view job() const { return job_; }

private:
  bool scalar() const { return depth_ != 0; }
  bool enter() {
    ++depth_;
    return depth_ <= max_depth;
  }

  size_t depth_ = 0;
  bool in_key_ = false;
  bool key_is_job_ = false;
  bool found_ = false;
  std::string_view job_;
};

/// A number (integer or float) that is finite, as a double.
detail::maybe_error read_number(const msgpack::object& o, const key_path& where, double& out) {
  switch (o.type) {
  case msgpack::type::POSITIVE_INTEGER:
    out = static_cast<double>(o.via.u64);
    return std::nullopt;
  case msgpack::type::NEGATIVE_INTEGER:
    out = static_cast<double>(o.via.i64);
    return std::nullopt;
  case msgpack::type::FLOAT32:
  case msgpack::type::FLOAT64:
    out = o.via.f64;
    if (!std::isfinite(out))
      return detail::make_error(decode_errc::bad_value, where, "expected a finite number");
    return std::nullopt;
  default:
    return detail::wrong_type(where, "number", o);
  }
}

/// The `rate` / `abort_threshold` shown in an error detail.
std::string show_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// The optional rollout keys of a submission: `priority`, `rate`,
/// `abort_threshold`, `abort_min_outcomes` (absent or nil: the defaults).
detail::maybe_error read_rollout(const msgpack::object* prio, const msgpack::object* rate,
                                 const msgpack::object* threshold,
                                 const msgpack::object* min_outcomes, const key_path& top,
                                 job_submission& j) {
  if (!detail::absent(prio)) {
    const auto k = top.child("priority");
    std::string_view v;
    if (auto e = detail::read_str(*prio, k, v))
      return e;
    auto p = parse_priority(v);
    if (!p)
      return detail::make_error(decode_errc::bad_value, k,
                                "expected \"high\", \"normal\" or \"bulk\", got " +
                                    detail::quoted(v));
    j.prio = *p;
  }
  if (!detail::absent(rate)) {
    const auto k = top.child("rate");
    double v = 0;
    if (auto e = read_number(*rate, k, v))
      return e;
    if (!(v >= min_rate_per_s && v <= max_rate_per_s))
      return detail::make_error(decode_errc::bad_value, k,
                                "commands per second must be in [" + show_number(min_rate_per_s) +
                                    ", " + show_number(max_rate_per_s) + "], got " +
                                    show_number(v));
    j.rate_per_s = v;
  }
  if (!detail::absent(threshold)) {
    const auto k = top.child("abort_threshold");
    double v = 0;
    if (auto e = read_number(*threshold, k, v))
      return e;
    if (!(v > 0 && v <= 1))
      return detail::make_error(decode_errc::bad_value, k,
                                "share of failed commands must be in (0, 1], got " +
                                    show_number(v));
    j.abort_threshold = v;
  }
  if (!detail::absent(min_outcomes)) {
    const auto k = top.child("abort_min_outcomes");
    uint64_t v = 0;
    if (auto e = detail::read_unsigned(*min_outcomes, k, max_abort_min_outcomes, v))
      return e;
    if (v == 0)
      return detail::make_error(decode_errc::bad_value, k, "must be at least 1");
    j.abort_min_outcomes = static_cast<uint32_t>(v);
  }
  return std::nullopt;
}

} // namespace

namespace detail {

/// `job`: a string that passes check_job_id.
maybe_error read_job_id(const msgpack::object* o, const key_path& where, std::string& out) {
  if (auto e = detail::require(o, where))
    return e;
  std::string_view v;
  if (auto e = detail::read_str(*o, where, v))
    return e;
  auto why = check_job_id(v);
  if (!why.empty())
    return detail::make_error(decode_errc::bad_value, where, why);
  out.assign(v.data(), v.size());
  return std::nullopt;
}

/// A required string field.
maybe_error read_required_string(const msgpack::object* o, const key_path& where,
                                 std::string& out) {
  if (auto e = detail::require(o, where))
    return e;
  return detail::read_string(*o, where, out);
}

} // namespace detail

using detail::read_job_id;
using detail::read_required_string;

// -- job ids -------------------------------------------------------------------

std::string check_job_id(std::string_view id) {
  if (id.empty())
    return "job id is empty";
  if (id.size() > max_job_id)
    return "job id of " + std::to_string(id.size()) + " characters, limit " +
           std::to_string(max_job_id);
  for (size_t i = 0; i < id.size(); ++i)
    if (!job_id_char(id[i]))
      return "job id has character " + detail::quoted(id.substr(i, 1)) + " at position " +
             std::to_string(i) + "; allowed: A-Z a-z 0-9 . _ : -";
  return {};
}

// -- submission ----------------------------------------------------------------

decoded<job_submission> decode_job(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<job_submission>([&]() -> decoded<job_submission> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 7> names{
        "v", "job", "commands", "priority", "rate", "abort_threshold", "abort_min_outcomes"};
    std::array<const msgpack::object*, 7> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    job_submission j;
    SHELFWIRE_WIRE_TRY(read_job_id(f[1], top.child("job"), j.job));
    SHELFWIRE_WIRE_TRY(read_rollout(f[3], f[4], f[5], f[6], top, j));
    const auto k_commands = top.child("commands");
    SHELFWIRE_WIRE_TRY(read_array(f[2], k_commands));
    const auto& arr = f[2]->via.array;
    j.commands.reserve(arr.size);
    static constexpr std::array<std::string_view, 3> cnames{"esl", "op", "args"};
    std::array<const msgpack::object*, 3> cf{};
    for (uint32_t i = 0; i < arr.size; ++i) {
      const auto k_cmd = k_commands.at(i);
      SHELFWIRE_WIRE_TRY(require_map_element(arr.ptr[i], k_cmd));
      SHELFWIRE_WIRE_TRY(detail::find_keys(arr.ptr[i], cnames, cf, k_cmd));
      job_command c;
      const auto k_esl = k_cmd.child("esl");
      SHELFWIRE_WIRE_TRY(detail::require(cf[0], k_esl));
      SHELFWIRE_WIRE_TRY(detail::read_mac(*cf[0], k_esl, c.esl));
      const auto k_op = k_cmd.child("op");
      SHELFWIRE_WIRE_TRY(detail::require(cf[1], k_op));
      SHELFWIRE_WIRE_TRY(detail::read_op(*cf[1], k_op, c.op));
      if (!detail::absent(cf[2]))
        SHELFWIRE_WIRE_TRY(detail::read_args(*cf[2], k_cmd.child("args"), c.args));
      j.commands.push_back(std::move(c));
    }
    return j;
  });
}

std::optional<std::string> salvage_job_id(std::string_view bytes) {
  try {
    if (bytes.empty())
      return std::nullopt;
    job_finder finder;
    size_t off = 0;
    msgpack::parse(bytes.data(), bytes.size(), off, finder);
    if (!finder.found() || !check_job_id(finder.job()).empty())
      return std::nullopt;
    return std::string{finder.job()};
  } catch (...) {
    return std::nullopt; // best effort: never throws
  }
}

void encode(const job_submission& x, std::string& out) {
  size_t bytes = 32 + x.job.size();
  for (const auto& c : x.commands) {
    bytes += 32;
    for (const auto& [k, v] : c.args)
      bytes += k.size() + v.size() + 10;
  }
  detail::writer w(out, bytes + 96);
  // The rollout keys only when they differ from the defaults: a plain job
  // encodes as it always did.
  bool prio = x.prio != priority::normal;
  bool min_outcomes = x.abort_min_outcomes != default_abort_min_outcomes;
  w.map(3 + (prio ? 1 : 0) + (x.rate_per_s ? 1 : 0) + (x.abort_threshold ? 1 : 0) +
        (min_outcomes ? 1 : 0));
  w.str("v").u64(contract_version);
  w.str("job").str(x.job);
  if (prio)
    w.str("priority").str(to_string(x.prio));
  if (x.rate_per_s)
    w.str("rate").f64(*x.rate_per_s);
  if (x.abort_threshold)
    w.str("abort_threshold").f64(*x.abort_threshold);
  if (min_outcomes)
    w.str("abort_min_outcomes").u64(x.abort_min_outcomes);
  w.str("commands").array(static_cast<uint32_t>(x.commands.size()));
  for (const auto& c : x.commands) {
    w.map(c.args.empty() ? 2 : 3);
    w.str("esl").mac(c.esl);
    w.str("op").str(to_string(c.op));
    if (!c.args.empty())
      w.str("args").args(c.args);
  }
}

// -- result --------------------------------------------------------------------

std::array<uint64_t, outcome_status_count> job_result::counts() const {
  std::array<uint64_t, outcome_status_count> c{};
  for (const auto& o : outcomes) {
    auto i = static_cast<size_t>(o.status);
    if (i < c.size())
      ++c[i];
  }
  return c;
}

void encode(const job_result& x, std::string& out) {
  size_t bytes = 160 + x.job.size() + x.node.size() + x.error.size();
  for (const auto& o : x.outcomes)
    bytes += 110 + o.reason.size();
  detail::writer w(out, bytes);
  w.map(x.rejected ? 7 : 6);
  w.str("v").u64(contract_version);
  w.str("job").str(x.job);
  w.str("node").str(x.node);
  w.str("status").str(x.rejected ? status_rejected : status_done);
  if (x.rejected)
    w.str("error").str(x.error);
  auto counts = x.counts();
  w.str("counts").map(static_cast<uint32_t>(counts.size()));
  for (auto st : all_outcome_statuses)
    w.str(to_string(st)).u64(counts[static_cast<size_t>(st)]);
  w.str("outcomes").array(static_cast<uint32_t>(x.outcomes.size()));
  for (const auto& o : x.outcomes) {
    w.map(o.backbone_us ? 9 : 8);
    w.str("esl").mac(o.esl);
    w.str("op").str(to_string(o.op));
    w.str("status").str(to_string(o.status));
    w.str("code").u64(o.code);
    w.str("gw");
    if (o.gw)
      w.mac(*o.gw);
    else
      w.nil();
    w.str("attempts").u64(o.attempts);
    w.str("latency_us").u64(o.latency_us);
    w.str("reason").str(o.reason);
    if (o.backbone_us)
      w.str("backbone_us").u64(*o.backbone_us);
  }
}

decoded<job_result> decode_job_result(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<job_result>([&]() -> decoded<job_result> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 7> names{"v",     "job",    "node",    "status",
                                                           "error", "counts", "outcomes"};
    std::array<const msgpack::object*, 7> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    job_result r;
    SHELFWIRE_WIRE_TRY(read_job_id(f[1], top.child("job"), r.job));
    SHELFWIRE_WIRE_TRY(read_required_string(f[2], top.child("node"), r.node));

    const auto k_status = top.child("status");
    SHELFWIRE_WIRE_TRY(detail::require(f[3], k_status));
    std::string_view st;
    SHELFWIRE_WIRE_TRY(detail::read_str(*f[3], k_status, st));
    if (st == status_rejected)
      r.rejected = true;
    else if (st != status_done)
      return unexpected{
          detail::make_error(decode_errc::bad_value, k_status,
                             "expected \"done\" or \"rejected\", got " + detail::quoted(st))};

    // `error` says why a job was rejected: required then, optional otherwise.
    const auto k_error = top.child("error");
    if (r.rejected)
      SHELFWIRE_WIRE_TRY(read_required_string(f[4], k_error, r.error));
    else if (!detail::absent(f[4]))
      SHELFWIRE_WIRE_TRY(detail::read_string(*f[4], k_error, r.error));

    const auto k_counts = top.child("counts");
    SHELFWIRE_WIRE_TRY(detail::require(f[5], k_counts));
    if (f[5]->type != msgpack::type::MAP)
      return unexpected{detail::wrong_type(k_counts, "map", *f[5])};
    std::array<std::string_view, outcome_status_count> count_names{};
    for (auto s : all_outcome_statuses)
      count_names[static_cast<size_t>(s)] = to_string(s);
    std::array<const msgpack::object*, outcome_status_count> cf{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(*f[5], count_names, cf, k_counts));
    std::array<uint64_t, outcome_status_count> counts{};
    for (size_t i = 0; i < counts.size(); ++i) {
      const auto k = k_counts.child(count_names[i]);
      // `aborted` came later within v1: a result without it has none.
      if (i == static_cast<size_t>(outcome_status::aborted) && detail::absent(cf[i]))
        continue;
      SHELFWIRE_WIRE_TRY(detail::require(cf[i], k));
      SHELFWIRE_WIRE_TRY(detail::read_u64(*cf[i], k, counts[i]));
    }

    const auto k_outcomes = top.child("outcomes");
    SHELFWIRE_WIRE_TRY(read_array(f[6], k_outcomes));
    const auto& arr = f[6]->via.array;
    r.outcomes.reserve(arr.size);
    static constexpr std::array<std::string_view, 9> onames{
        "esl", "op", "status", "code", "gw", "attempts", "latency_us", "reason", "backbone_us"};
    std::array<const msgpack::object*, 9> of{};
    for (uint32_t i = 0; i < arr.size; ++i) {
      const auto k_o = k_outcomes.at(i);
      SHELFWIRE_WIRE_TRY(require_map_element(arr.ptr[i], k_o));
      SHELFWIRE_WIRE_TRY(detail::find_keys(arr.ptr[i], onames, of, k_o));
      command_result c;
      const auto k_esl = k_o.child("esl");
      SHELFWIRE_WIRE_TRY(detail::require(of[0], k_esl));
      SHELFWIRE_WIRE_TRY(detail::read_mac(*of[0], k_esl, c.esl));
      const auto k_op = k_o.child("op");
      SHELFWIRE_WIRE_TRY(detail::require(of[1], k_op));
      SHELFWIRE_WIRE_TRY(detail::read_op(*of[1], k_op, c.op));
      const auto k_st = k_o.child("status");
      SHELFWIRE_WIRE_TRY(detail::require(of[2], k_st));
      std::string_view ost;
      SHELFWIRE_WIRE_TRY(detail::read_str(*of[2], k_st, ost));
      auto parsed = parse_outcome_status(ost);
      if (!parsed)
        return unexpected{detail::make_error(decode_errc::bad_value, k_st,
                                             "unknown status " + detail::quoted(ost))};
      c.status = *parsed;
      const auto k_code = k_o.child("code");
      SHELFWIRE_WIRE_TRY(detail::require(of[3], k_code));
      SHELFWIRE_WIRE_TRY(detail::read_u32(*of[3], k_code, c.code));
      if (!detail::absent(of[4])) {
        gw_mac gw;
        SHELFWIRE_WIRE_TRY(detail::read_mac(*of[4], k_o.child("gw"), gw));
        c.gw = gw;
      }
      const auto k_att = k_o.child("attempts");
      SHELFWIRE_WIRE_TRY(detail::require(of[5], k_att));
      SHELFWIRE_WIRE_TRY(detail::read_u32(*of[5], k_att, c.attempts));
      const auto k_lat = k_o.child("latency_us");
      SHELFWIRE_WIRE_TRY(detail::require(of[6], k_lat));
      SHELFWIRE_WIRE_TRY(detail::read_u64(*of[6], k_lat, c.latency_us));
      SHELFWIRE_WIRE_TRY(read_required_string(of[7], k_o.child("reason"), c.reason));
      if (!detail::absent(of[8])) {
        uint64_t bb = 0;
        SHELFWIRE_WIRE_TRY(detail::read_u64(*of[8], k_o.child("backbone_us"), bb));
        c.backbone_us = bb;
      }
      r.outcomes.push_back(std::move(c));
    }

    // The counts are redundant: they must agree with the outcomes.
    auto actual = r.counts();
    for (size_t i = 0; i < counts.size(); ++i)
      if (counts[i] != actual[i])
        return unexpected{detail::make_error(decode_errc::bad_value, k_counts.child(count_names[i]),
                                             std::to_string(counts[i]) + " does not match the " +
                                                 std::to_string(actual[i]) +
                                                 " outcomes with that status")};
    return r;
  });
}

// -- rejection -----------------------------------------------------------------

void encode(const job_rejection& x, std::string& out) {
  detail::writer w(out, 48 + x.node.size() + x.error.size() + x.detail.size());
  w.map(4);
  w.str("v").u64(contract_version);
  w.str("node").str(x.node);
  w.str("error").str(x.error);
  w.str("detail").str(x.detail);
}

decoded<job_rejection> decode_job_rejection(std::string_view bytes, const decode_limits& lim) {
  return detail::guarded<job_rejection>([&]() -> decoded<job_rejection> {
    msgpack::object_handle h;
    SHELFWIRE_WIRE_TRY(detail::parse_map(bytes, lim, h));
    static constexpr std::array<std::string_view, 4> names{"v", "node", "error", "detail"};
    std::array<const msgpack::object*, 4> f{};
    const key_path top{};
    SHELFWIRE_WIRE_TRY(detail::find_keys(h.get(), names, f, top));
    SHELFWIRE_WIRE_TRY(detail::read_version(f[0], top.child("v")));
    job_rejection r;
    SHELFWIRE_WIRE_TRY(read_required_string(f[1], top.child("node"), r.node));
    SHELFWIRE_WIRE_TRY(read_required_string(f[2], top.child("error"), r.error));
    SHELFWIRE_WIRE_TRY(read_required_string(f[3], top.child("detail"), r.detail));
    return r;
  });
}

} // namespace shelfwire::wire
