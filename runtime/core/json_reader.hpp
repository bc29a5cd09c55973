#pragma once

// A small strict JSON reader (RFC 8259): for job files (shelfwire-submit) and
// for what the binaries print (metrics snapshots, shelfwire-inspect --json,
// simulator reports; the tests read them through tests/support/json.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shelfwire {

/// One JSON value; objects keep their members in document order (a repeated
/// name is kept twice: the caller decides whether that is an error).
struct json_value {
  enum class kind { null, boolean, number, string, array, object };
  kind k = kind::null;
  bool boolean = false;
  double number = 0;
  std::string text; ///< string value (UTF-8), or the number as written
  std::vector<json_value> array;
  std::vector<std::pair<std::string, json_value>> object;
  size_t line = 0; ///< 1-based line of the text where the value starts

  const json_value* find(std::string_view key) const {
    for (auto& [name, v] : object)
      if (name == key)
        return &v;
    return nullptr;
  }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  /// The member `key` of an object; throws if there is none.
  const json_value& operator[](std::string_view key) const {
    if (auto v = find(key))
      return *v;
    throw std::runtime_error("JSON: no member '" + std::string{key} + "'");
  }
  const json_value& operator[](size_t i) const { return array.at(i); }
  int64_t integer() const { return static_cast<int64_t>(number); }
  bool is_null() const { return k == kind::null; }
  bool is_bool() const { return k == kind::boolean; }
  bool is_object() const { return k == kind::object; }
  bool is_array() const { return k == kind::array; }
  bool is_number() const { return k == kind::number; }
  bool is_string() const { return k == kind::string; }
  /// A number written as a non-negative integer (no sign, fraction, exponent).
  bool is_count() const {
    return k == kind::number && !text.empty() &&
           text.find_first_not_of("0123456789") == std::string::npos;
  }
};

/// "object", "array", "string", ...: for error messages.
std::string_view to_string(json_value::kind k);

/// Parses one JSON text: json_parser::parse(text, &error).
///
/// Strict: exactly one value, no comments, no trailing commas, strings of
/// valid UTF-8 without raw control characters; `\uXXXX` escapes (surrogate
/// pairs too) become UTF-8, a lone surrogate is an error. Containers nest at
/// most 64 deep. Never throws on bad input.
class json_parser {
public:
  static constexpr int max_depth = 64;

  /// The value of the whole text, or nullopt and `*error` ("expected ':' at
  /// line 3, column 7") if it is not exactly one JSON value.
  static std::optional<json_value> parse(std::string_view text, std::string* error = nullptr);

private:
  explicit json_parser(std::string_view s)
      : s_(s) {}

  bool fail(std::string why);
  void skip_ws();
  bool literal(std::string_view word);
  bool value(json_value& v, int depth);
  bool object(json_value& v, int depth);
  bool array(json_value& v, int depth);
  bool string(std::string& out);
  bool escape(std::string& out);
  bool hex4(uint32_t& out);
  bool utf8_sequence(std::string& out);
  bool number(json_value& v);

  std::string_view s_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t line_start_ = 0; ///< offset of the current line's first character
  std::string error_;
  size_t error_line_ = 0;
  size_t error_column_ = 0;
};

} // namespace shelfwire
