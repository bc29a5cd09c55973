#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace shelfwire::config {

/// The types a configuration key can have.
enum class value_type {
  boolean,      ///< true or false, nothing else
  integer,      ///< decimal, within [min, max]
  string,       ///< any text, optionally checked by a validator
  enumeration,  ///< one of a fixed list of words
  integer_list, ///< `[1, 2]` (or `1,2` on the command line), each within [min, max]
};

/// The name of a type as shown to users: "bool", "integer", "string", "enum",
/// "integer list".
std::string_view type_name(value_type t);

/// A typed configuration value. `enumeration` values are strings.
using value = std::variant<bool, int64_t, std::string, std::vector<int64_t>>;

/// `s` as a double-quoted INI string, with `\\`, `\"`, `\n`, `\r` and `\t`
/// escaped: parse_ini reads it back to `s`.
std::string quote(std::string_view s);

/// `v` written as an INI value that parse_ini reads back to `v`: booleans and
/// integers bare, strings quoted (bare when `bare_string`, used for enum
/// words), lists as `[1, 2]`.
std::string format_value(const value& v, bool bare_string = false);

} // namespace shelfwire::config
