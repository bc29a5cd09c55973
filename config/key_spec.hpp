#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/ini.hpp"
#include "config/value.hpp"
#include "runtime/core/expected.hpp"

namespace shelfwire::config {

/// Decides whether a string value is legal. Must not throw.
using string_validator = std::function<bool(std::string_view)>;

/// What one key accepts: its type, its legal values and its documentation.
/// The binding to a field lives in schema<T>; this part is type-erased so the
/// loader, the dump and the docs need no templates.
struct key_spec {
  /// "section.key"; the section is everything before the last '.'.
  std::string key;
  value_type type = value_type::string;
  /// One line: what the key does (shown by --help, --dump-config and docs).
  std::string doc;
  /// integer, integer_list (per element): the inclusive range.
  int64_t min = 0;
  int64_t max = 0;
  /// enumeration: the legal words, in the order they are listed to users.
  std::vector<std::string> choices;
  /// string: what a legal value looks like, completing "expected ..."
  /// ("tcp://host:port with port in [1, 65535]"); empty with no validator.
  std::string legal;
  /// string: empty accepts any text.
  string_validator is_valid;
  /// A password or token: --dump-config shows whether it is set, not its value.
  bool secret = false;

  /// "routers" for "routers.pool-size".
  std::string_view section() const;
  /// "pool-size" for "routers.pool-size".
  std::string_view name() const;
  /// Completes "expected ...": "an integer in [1, 1024]", "true or false",
  /// "one of stealing, sharing", "a list of integers, each in [0, 255]",
  /// "a string", or `legal`.
  std::string legal_values() const;
  /// Short placeholder for usage lines: "BOOL", "INT", "STRING", "WORD", "LIST".
  std::string_view placeholder() const;
};

/// Converts a value read from a file into the key's type and checks it
/// against the spec. `where` is appended to messages ("node.ini:12").
expected<value, config_error> convert(const key_spec& spec, const ini_value& written,
                                      std::string_view where);

/// Same for a command-line value: the text is taken literally (the shell has
/// already removed quotes); for an integer list, `[1, 2]` and `1,2` are accepted.
expected<value, config_error> convert_text(const key_spec& spec, std::string_view text,
                                           std::string_view where);

/// Checks an already typed value (a default, say) against the spec; nullopt
/// when legal.
std::optional<config_error> check(const key_spec& spec, const value& v, std::string_view where);

/// The standard message: "key: expected <legal values>, got '<given>' (where)".
config_error expected_error(const key_spec& spec, std::string_view given, std::string_view where);

} // namespace shelfwire::config
