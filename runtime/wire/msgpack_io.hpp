#pragma once

// Internal to runtime/wire: only the module's own .cpp files include this
// header (it pulls in msgpack-cxx, a private dependency of shelfwire_wire).
// Everything here is an implementation detail of the codecs.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "runtime/core/mac.hpp"
#include "runtime/wire/decode_error.hpp"
#include "runtime/wire/op.hpp"

namespace shelfwire::wire::detail {

/// "No error" or the first error found.
using maybe_error = std::optional<decode_error>;

/// Returns early from the enclosing decoder with the error of `expr`, if any.
#define SHELFWIRE_WIRE_TRY(expr)                                                                   \
  do {                                                                                             \
    if (auto shelfwire_wire_err_ = (expr))                                                         \
      return ::shelfwire::unexpected<::shelfwire::wire::decode_error>{                             \
          std::move(*shelfwire_wire_err_)};                                                        \
  } while (false)

// -- key paths ---------------------------------------------------------------

/// Where a value sits in a payload: "esl", "commands[17].esl", "args.color".
/// Built on the stack while decoding and only rendered when an error is
/// reported, so the happy path allocates nothing for it. A child refers to its
/// parent: keep the parent alive while the child is in use.
struct key_path {
  static constexpr size_t no_index = static_cast<size_t>(-1);

  const key_path* parent = nullptr;
  std::string_view name; ///< a map key (may come from the payload: rendered escaped)
  size_t index = no_index;

  /// The value under map key `n` of this value.
  key_path child(std::string_view n) const { return key_path{this, n, no_index}; }
  /// Element `i` of this array.
  key_path at(size_t i) const { return key_path{this, {}, i}; }

  /// "commands[17].esl"; empty for the top level.
  std::string str() const;

private:
  void append_to(std::string& out) const;
};

// -- errors ------------------------------------------------------------------

decode_error make_error(decode_errc code, const key_path& where, std::string detail);

/// "nil", "boolean", "integer", "float", "string", "binary", "array", "map", "ext".
std::string_view type_name(const msgpack::object& o);

decode_error wrong_type(const key_path& where, std::string_view expected,
                        const msgpack::object& got);

/// `s` in double quotes, non-printable bytes as \xNN, cut after `max` bytes
/// ("..." marks the cut). Payload text in error details goes through this.
std::string quoted(std::string_view s, size_t max = 40);

// -- parsing -------------------------------------------------------------------

/// Parses `bytes` into `out` under `lim`: too_large, truncated, not_msgpack,
/// limit_exceeded (the key names the offending value), trailing_bytes,
/// not_a_map. Strings and binaries in `out` point into `bytes`: `out` must
/// not outlive them. Never throws.
maybe_error parse_map(std::string_view bytes, const decode_limits& lim,
                      msgpack::object_handle& out);

/// Runs a decoder body, turning any exception that still escapes (in practice
/// only std::bad_alloc) into a decode_error, so decoders never throw.
template <class T, class F>
decoded<T> guarded(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return unexpected<decode_error>{{decode_errc::limit_exceeded, {}, "out of memory"}};
  } catch (...) {
    return unexpected<decode_error>{{decode_errc::not_msgpack, {}, "internal error"}};
  }
}

// -- fields --------------------------------------------------------------------

inline std::string_view str_view(const msgpack::object& o) {
  return o.via.str.size == 0 ? std::string_view{} : std::string_view{o.via.str.ptr, o.via.str.size};
}

inline std::string_view bin_view(const msgpack::object& o) {
  return o.via.bin.size == 0 ? std::string_view{} : std::string_view{o.via.bin.ptr, o.via.bin.size};
}

/// Finds the values of the string keys `names` in the map `map` (the object at
/// `where`). Unknown keys and non-string keys are skipped; a known key given
/// twice is bad_value. Unfound entries of `found` stay null.
maybe_error find_keys(const msgpack::object& map, const std::string_view* names,
                      const msgpack::object** found, size_t n, const key_path& where);

template <size_t N>
maybe_error find_keys(const msgpack::object& map, const std::array<std::string_view, N>& names,
                      std::array<const msgpack::object*, N>& found, const key_path& where) {
  found.fill(nullptr);
  return find_keys(map, names.data(), found.data(), N, where);
}

/// missing_key at `where` when `o` is null.
maybe_error require(const msgpack::object* o, const key_path& where);

/// True when an optional key is absent or nil (nil means "absent").
inline bool absent(const msgpack::object* o) {
  return o == nullptr || o->type == msgpack::type::NIL;
}

/// `v`: required, the integer 1.
maybe_error read_version(const msgpack::object* o, const key_path& where);

/// An integer in [0, max] (positive or non-negative msgpack ints).
maybe_error read_unsigned(const msgpack::object& o, const key_path& where, uint64_t max,
                          uint64_t& out);
/// An integer in [min, max].
maybe_error read_signed(const msgpack::object& o, const key_path& where, int64_t min, int64_t max,
                        int64_t& out);
/// The integer value of `o` if it is an integer that fits int64_t.
std::optional<int64_t> as_int64(const msgpack::object& o);

maybe_error read_u32(const msgpack::object& o, const key_path& where, uint32_t& out);
maybe_error read_u64(const msgpack::object& o, const key_path& where, uint64_t& out);
maybe_error read_i32(const msgpack::object& o, const key_path& where, int32_t& out);
maybe_error read_bool(const msgpack::object& o, const key_path& where, bool& out);

/// A msgpack string (not binary). `out` points into the payload.
maybe_error read_str(const msgpack::object& o, const key_path& where, std::string_view& out);
maybe_error read_string(const msgpack::object& o, const key_path& where, std::string& out);

/// The `id` token: binary or string, at most max_token_bytes.
maybe_error read_token(const msgpack::object& o, const key_path& where, std::string& out);

/// A MAC: a string of 12 hex digits (either case).
maybe_error read_mac_value(const msgpack::object& o, const key_path& where, uint64_t& out);

template <class Tag>
maybe_error read_mac(const msgpack::object& o, const key_path& where, mac48<Tag>& out) {
  uint64_t v = 0;
  auto e = read_mac_value(o, where, v);
  if (!e)
    out = mac48<Tag>::from_u64(v);
  return e;
}

/// `op`: one of the op_kind names.
maybe_error read_op(const msgpack::object& o, const key_path& where, op_kind& out);

/// `args`: a map string -> string. A non-string name is wrong_type at
/// `where`; a non-string value is wrong_type at `where.name`; a name given
/// twice is bad_value.
maybe_error read_args(const msgpack::object& o, const key_path& where,
                      std::vector<std::pair<std::string, std::string>>& out);

// -- encoding ------------------------------------------------------------------

/// The smallest stream msgpack::packer needs: appends to a std::string.
struct string_sink {
  std::string* out;
  void write(const char* p, size_t n) { out->append(p, n); }
};

/// Compact msgpack into a std::string (whose previous contents it drops).
/// Integers take their smallest encoding; strings are STR, tokens BIN.
class writer {
public:
  writer(std::string& out, size_t reserve)
      : sink_{&out}
      , pk_(sink_) {
    out.clear();
    out.reserve(reserve);
  }
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  writer& map(uint32_t n) {
    pk_.pack_map(n);
    return *this;
  }
  writer& array(uint32_t n) {
    pk_.pack_array(n);
    return *this;
  }
  writer& str(std::string_view s) {
    pk_.pack_str(static_cast<uint32_t>(s.size()));
    pk_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
    return *this;
  }
  writer& bin(std::string_view s) {
    pk_.pack_bin(static_cast<uint32_t>(s.size()));
    pk_.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
    return *this;
  }
  writer& u64(uint64_t v) {
    pk_.pack_uint64(v);
    return *this;
  }
  writer& i64(int64_t v) {
    pk_.pack_int64(v);
    return *this;
  }
  writer& f64(double v) {
    pk_.pack_double(v);
    return *this;
  }
  writer& boolean(bool v) {
    if (v)
      pk_.pack_true();
    else
      pk_.pack_false();
    return *this;
  }
  writer& nil() {
    pk_.pack_nil();
    return *this;
  }
  /// 12 upper-case hex digits, without a temporary string.
  template <class Tag>
  writer& mac(mac48<Tag> m) {
    char buf[12];
    format_mac(m.value(), buf);
    return str(std::string_view{buf, sizeof buf});
  }
  writer& args(const std::vector<std::pair<std::string, std::string>>& a) {
    map(static_cast<uint32_t>(a.size()));
    for (const auto& [k, v] : a)
      str(k).str(v);
    return *this;
  }

  static void format_mac(uint64_t v, char (&buf)[12]);

private:
  string_sink sink_;
  msgpack::packer<string_sink> pk_;
};

} // namespace shelfwire::wire::detail
