#include "runtime/wire/msgpack_io.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "runtime/wire/contract.hpp"

namespace shelfwire::wire::detail {

namespace {

constexpr size_t max_rendered_name = 64;

/// Appends `name` with non-printable bytes as \xNN, cut after
/// max_rendered_name bytes: names can come from the payload.
void append_name(std::string& out, std::string_view name) {
  static constexpr char hex[] = "0123456789ABCDEF";
  size_t n = std::min(name.size(), max_rendered_name);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  if (name.size() > n)
    out += "...";
}

void append_index(std::string& out, size_t i) {
  out += '[';
  out += std::to_string(i);
  out += ']';
}

/// Finds where the first limit violation of a payload sits, for the key of
/// a limit_exceeded error. Mirrors the checks of msgpack's
/// create_object_visitor (same order, same sizes) without building objects.
class limit_locator : public msgpack::null_visitor {
public:
  explicit limit_locator(const msgpack::unpack_limit& lim)
      : lim_(lim) {}

  bool visit_str(const char* p, uint32_t n) {
    if (n > lim_.str())
      return fail("string of " + std::to_string(n) + " bytes, limit " + std::to_string(lim_.str()));
    if (!frames_.empty() && frames_.back().is_map && frames_.back().in_key) {
      frames_.back().key = n == 0 ? std::string_view{} : std::string_view{p, n};
      frames_.back().key_is_str = true;
    }
    return true;
  }
  bool visit_bin(const char*, uint32_t n) {
    if (n > lim_.bin())
      return fail("binary of " + std::to_string(n) + " bytes, limit " + std::to_string(lim_.bin()));
    return true;
  }
  bool visit_ext(const char*, uint32_t n) {
    // n counts the type byte, as in create_object_visitor.
    if (n > lim_.ext())
      return fail("ext of " + std::to_string(n - 1) + " bytes, limit " +
                  std::to_string(lim_.ext() - 1));
    return true;
  }
  bool start_array(uint32_t n) {
    if (n > lim_.array())
      return fail("array of " + std::to_string(n) + " elements, limit " +
                  std::to_string(lim_.array()));
    if (frames_.size() >= lim_.depth())
      return fail("nested deeper than " + std::to_string(lim_.depth()) + " levels");
    frames_.push_back(frame{});
    return true;
  }
  bool end_array_item() {
    ++frames_.back().index;
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    return true;
  }
  bool start_map(uint32_t n) {
    if (n > lim_.map())
      return fail("map of " + std::to_string(n) + " entries, limit " + std::to_string(lim_.map()));
    if (frames_.size() >= lim_.depth())
      return fail("nested deeper than " + std::to_string(lim_.depth()) + " levels");
    frame f;
    f.is_map = true;
    frames_.push_back(f);
    return true;
  }
  bool start_map_key() {
    auto& f = frames_.back();
    f.in_key = true;
    f.key = {};
    f.key_is_str = false;
    return true;
  }
  bool end_map_key() {
    frames_.back().in_key = false;
    return true;
  }
  bool end_map_value() {
    ++frames_.back().index;
    return true;
  }
  bool end_map() {
    frames_.pop_back();
    return true;
  }

  bool found() const { return found_; }
  const std::string& path() const { return path_; }
  const std::string& detail() const { return detail_; }

private:
  struct frame {
    bool is_map = false;
    bool in_key = false;
    bool key_is_str = false;
    std::string_view key;
    size_t index = 0;
  };

  bool fail(std::string detail) {
    found_ = true;
    detail_ = std::move(detail);
    for (const auto& f : frames_) {
      if (f.is_map) {
        if (f.in_key)
          break; // the offending value is a key of this map: name the map
        if (!path_.empty())
          path_ += '.';
        if (f.key_is_str)
          append_name(path_, f.key);
        else
          path_ += '?';
      } else {
        append_index(path_, f.index);
      }
    }
    return false; // stop parsing
  }

  const msgpack::unpack_limit& lim_;
  std::vector<frame> frames_;
  bool found_ = false;
  std::string path_;
  std::string detail_;
};

bool refer_to_input(msgpack::type::object_type, std::size_t, void*) {
  return true; // strings and binaries point into the payload: no copies
}

} // namespace

// -- key paths ---------------------------------------------------------------

void key_path::append_to(std::string& out) const {
  if (parent)
    parent->append_to(out);
  if (index != no_index) {
    append_index(out, index);
  } else if (parent || !name.empty()) {
    if (!out.empty())
      out += '.';
    append_name(out, name);
  }
}

std::string key_path::str() const {
  std::string out;
  append_to(out);
  return out;
}

// -- errors ------------------------------------------------------------------

decode_error make_error(decode_errc code, const key_path& where, std::string detail) {
  return decode_error{code, where.str(), std::move(detail)};
}

std::string_view type_name(const msgpack::object& o) {
  switch (o.type) {
  case msgpack::type::NIL:
    return "nil";
  case msgpack::type::BOOLEAN:
    return "boolean";
  case msgpack::type::POSITIVE_INTEGER:
  case msgpack::type::NEGATIVE_INTEGER:
    return "integer";
  case msgpack::type::FLOAT32:
  case msgpack::type::FLOAT64:
    return "float";
  case msgpack::type::STR:
    return "string";
  case msgpack::type::BIN:
    return "binary";
  case msgpack::type::ARRAY:
    return "array";
  case msgpack::type::MAP:
    return "map";
  case msgpack::type::EXT:
    return "ext";
  }
  return "unknown";
}

decode_error wrong_type(const key_path& where, std::string_view expected,
                        const msgpack::object& got) {
  std::string d = "expected ";
  d += expected;
  d += ", got ";
  d += type_name(got);
  return make_error(decode_errc::wrong_type, where, std::move(d));
}

std::string quoted(std::string_view s, size_t max) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "\"";
  size_t n = std::min(s.size(), max);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  out += '"';
  if (s.size() > n)
    out += "...";
  return out;
}

// -- parsing -------------------------------------------------------------------

maybe_error parse_map(std::string_view bytes, const decode_limits& lim,
                      msgpack::object_handle& out) {
  const key_path top{};
  if (bytes.size() > lim.max_bytes)
    return make_error(decode_errc::too_large, top,
                      std::to_string(bytes.size()) + " bytes, limit " +
                          std::to_string(lim.max_bytes));
  if (bytes.empty())
    return make_error(decode_errc::truncated, top, "empty payload");
  // An ext's size counts its type byte: allow max_bin bytes of ext data.
  const size_t ext_limit = lim.max_bin == static_cast<size_t>(-1) ? lim.max_bin : lim.max_bin + 1;
  const msgpack::unpack_limit ul(lim.max_array, lim.max_map, lim.max_str, lim.max_bin, ext_limit,
                                 lim.max_depth);
  size_t off = 0;
  try {
    out = msgpack::unpack(bytes.data(), bytes.size(), off, refer_to_input, nullptr, ul);
  } catch (const msgpack::size_overflow& e) {
    limit_locator loc(ul);
    size_t loc_off = 0;
    msgpack::parse(bytes.data(), bytes.size(), loc_off, loc);
    if (loc.found())
      return decode_error{decode_errc::limit_exceeded, loc.path(), loc.detail()};
    return make_error(decode_errc::limit_exceeded, top, e.what());
  } catch (const msgpack::insufficient_bytes&) {
    return make_error(decode_errc::truncated, top,
                      "payload of " + std::to_string(bytes.size()) + " bytes ends inside a value");
  } catch (const msgpack::unpack_error&) {
    return make_error(decode_errc::not_msgpack, top, "not MessagePack");
  }
  if (off != bytes.size())
    return make_error(decode_errc::trailing_bytes, top,
                      std::to_string(bytes.size() - off) + " bytes after the top-level value");
  if (out.get().type != msgpack::type::MAP) {
    std::string d = "top level is ";
    d += type_name(out.get());
    return make_error(decode_errc::not_a_map, top, std::move(d));
  }
  return std::nullopt;
}

// -- fields --------------------------------------------------------------------

maybe_error find_keys(const msgpack::object& map, const std::string_view* names,
                      const msgpack::object** found, size_t n, const key_path& where) {
  const auto& m = map.via.map;
  for (uint32_t i = 0; i < m.size; ++i) {
    const auto& kv = m.ptr[i];
    if (kv.key.type != msgpack::type::STR)
      continue; // non-string keys are ignored, like unknown ones
    auto k = str_view(kv.key);
    for (size_t j = 0; j < n; ++j) {
      if (names[j] != k)
        continue;
      if (found[j])
        return make_error(decode_errc::bad_value, where.child(names[j]), "duplicate key");
      found[j] = &kv.val;
      break;
    }
  }
  return std::nullopt;
}

maybe_error require(const msgpack::object* o, const key_path& where) {
  if (o)
    return std::nullopt;
  return make_error(decode_errc::missing_key, where, "required");
}

maybe_error read_version(const msgpack::object* o, const key_path& where) {
  if (auto e = require(o, where))
    return e;
  if (o->type == msgpack::type::POSITIVE_INTEGER) {
    if (o->via.u64 == contract_version)
      return std::nullopt;
    return make_error(decode_errc::unsupported_version, where,
                      "version " + std::to_string(o->via.u64) + ", expected " +
                          std::to_string(contract_version));
  }
  if (o->type == msgpack::type::NEGATIVE_INTEGER)
    return make_error(decode_errc::unsupported_version, where,
                      "version " + std::to_string(o->via.i64) + ", expected " +
                          std::to_string(contract_version));
  return wrong_type(where, "integer", *o);
}

maybe_error read_unsigned(const msgpack::object& o, const key_path& where, uint64_t max,
                          uint64_t& out) {
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 <= max) {
      out = o.via.u64;
      return std::nullopt;
    }
    return make_error(decode_errc::bad_value, where,
                      std::to_string(o.via.u64) + " is out of range [0, " + std::to_string(max) +
                          "]");
  }
  if (o.type == msgpack::type::NEGATIVE_INTEGER)
    return make_error(decode_errc::bad_value, where,
                      std::to_string(o.via.i64) + " is out of range [0, " + std::to_string(max) +
                          "]");
  return wrong_type(where, "integer", o);
}

maybe_error read_signed(const msgpack::object& o, const key_path& where, int64_t min, int64_t max,
                        int64_t& out) {
  auto range = [&] {
    return " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  };
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (max >= 0 && o.via.u64 <= static_cast<uint64_t>(max)) {
      out = static_cast<int64_t>(o.via.u64);
      return std::nullopt;
    }
    return make_error(decode_errc::bad_value, where, std::to_string(o.via.u64) + range());
  }
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    if (o.via.i64 >= min && o.via.i64 <= max) {
      out = o.via.i64;
      return std::nullopt;
    }
    return make_error(decode_errc::bad_value, where, std::to_string(o.via.i64) + range());
  }
  return wrong_type(where, "integer", o);
}

std::optional<int64_t> as_int64(const msgpack::object& o) {
  if (o.type == msgpack::type::POSITIVE_INTEGER && o.via.u64 <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(o.via.u64);
  if (o.type == msgpack::type::NEGATIVE_INTEGER)
    return o.via.i64;
  return std::nullopt;
}

maybe_error read_u32(const msgpack::object& o, const key_path& where, uint32_t& out) {
  uint64_t v = 0;
  auto e = read_unsigned(o, where, UINT32_MAX, v);
  if (!e)
    out = static_cast<uint32_t>(v);
  return e;
}

maybe_error read_u64(const msgpack::object& o, const key_path& where, uint64_t& out) {
  return read_unsigned(o, where, UINT64_MAX, out);
}

maybe_error read_i32(const msgpack::object& o, const key_path& where, int32_t& out) {
  int64_t v = 0;
  auto e = read_signed(o, where, INT32_MIN, INT32_MAX, v);
  if (!e)
    out = static_cast<int32_t>(v);
  return e;
}

maybe_error read_bool(const msgpack::object& o, const key_path& where, bool& out) {
  if (o.type != msgpack::type::BOOLEAN)
    return wrong_type(where, "boolean", o);
  out = o.via.boolean;
  return std::nullopt;
}

maybe_error read_str(const msgpack::object& o, const key_path& where, std::string_view& out) {
  if (o.type != msgpack::type::STR)
    return wrong_type(where, "string", o);
  out = str_view(o);
  return std::nullopt;
}

maybe_error read_string(const msgpack::object& o, const key_path& where, std::string& out) {
  std::string_view v;
  auto e = read_str(o, where, v);
  if (!e)
    out.assign(v.data(), v.size());
  return e;
}

maybe_error read_token(const msgpack::object& o, const key_path& where, std::string& out) {
  std::string_view v;
  if (o.type == msgpack::type::BIN)
    v = bin_view(o);
  else if (o.type == msgpack::type::STR)
    v = str_view(o);
  else
    return wrong_type(where, "binary or string", o);
  if (v.size() > max_token_bytes)
    return make_error(decode_errc::bad_value, where,
                      "token of " + std::to_string(v.size()) + " bytes, limit " +
                          std::to_string(max_token_bytes));
  out.assign(v.data(), v.size());
  return std::nullopt;
}

maybe_error read_mac_value(const msgpack::object& o, const key_path& where, uint64_t& out) {
  std::string_view v;
  if (auto e = read_str(o, where, v))
    return e;
  auto m = esl_mac::parse(v);
  if (!m)
    return make_error(decode_errc::bad_value, where, "expected 12 hex digits, got " + quoted(v));
  out = m->value();
  return std::nullopt;
}

maybe_error read_op(const msgpack::object& o, const key_path& where, op_kind& out) {
  std::string_view v;
  if (auto e = read_str(o, where, v))
    return e;
  auto op = parse_op(v);
  if (!op)
    return make_error(decode_errc::bad_value, where,
                      "unknown op " + quoted(v) + " (price, image, blink, page, ping)");
  out = *op;
  return std::nullopt;
}

maybe_error read_args(const msgpack::object& o, const key_path& where,
                      std::vector<std::pair<std::string, std::string>>& out) {
  if (o.type != msgpack::type::MAP)
    return wrong_type(where, "map", o);
  const auto& m = o.via.map;
  out.clear();
  out.reserve(m.size);
  for (uint32_t i = 0; i < m.size; ++i) {
    const auto& kv = m.ptr[i];
    if (kv.key.type != msgpack::type::STR) {
      std::string d = "expected string names, got ";
      d += type_name(kv.key);
      return make_error(decode_errc::wrong_type, where, std::move(d));
    }
    auto name = str_view(kv.key);
    std::string_view value;
    if (auto e = read_str(kv.val, where.child(name), value))
      return e;
    out.emplace_back(std::string{name}, std::string{value});
  }
  // A name given twice is ambiguous for the gateway: refuse it.
  std::string_view dup;
  bool has_dup = false;
  if (out.size() <= 16) {
    for (size_t i = 0; i < out.size() && !has_dup; ++i)
      for (size_t j = i + 1; j < out.size(); ++j)
        if (out[i].first == out[j].first) {
          dup = out[i].first;
          has_dup = true;
          break;
        }
  } else {
    std::vector<std::string_view> names;
    names.reserve(out.size());
    for (const auto& a : out)
      names.emplace_back(a.first);
    std::sort(names.begin(), names.end());
    auto it = std::adjacent_find(names.begin(), names.end());
    if (it != names.end()) {
      dup = *it;
      has_dup = true;
    }
  }
  if (has_dup)
    return make_error(decode_errc::bad_value, where.child(dup), "duplicate key");
  return std::nullopt;
}

// -- encoding ------------------------------------------------------------------

void writer::format_mac(uint64_t v, char (&buf)[12]) {
  static constexpr char digits[] = "0123456789ABCDEF";
  for (int i = 11; i >= 0; --i) {
    buf[i] = digits[v & 0xF];
    v >>= 4;
  }
}

} // namespace shelfwire::wire::detail
