// GCC 12 with -fsanitize=address,undefined reports -Wmaybe-uninitialized
// inside std::variant's move constructor when a `value` holding a bool or an
// integer is moved into an expected<value, config_error>: a false positive of
// the GCC 12 middle end (GCC bug 80635 and relatives). Silenced for this file
// only; the diagnostic points into <variant>, hence before the includes.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "config/key_spec.hpp"

#include <charconv>

#include "runtime/core/text.hpp"

namespace shelfwire::config {

namespace {

std::string range_text(int64_t min, int64_t max) {
  return "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

/// Decimal integer with an optional sign, nothing else.
std::optional<int64_t> parse_int(std::string_view s) {
  if (!s.empty() && s.front() == '+')
    s.remove_prefix(1);
  if (s.empty() || s.front() == '+')
    return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc{} || ptr != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::optional<std::vector<int64_t>> parse_int_items(const std::vector<std::string_view>& items,
                                                    int64_t min, int64_t max) {
  std::vector<int64_t> out;
  for (auto item : items) {
    auto v = parse_int(trim_blanks(item));
    if (!v || *v < min || *v > max)
      return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

/// "1, 2,3" -> {"1", " 2", "3"}; "" -> {}.
std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  if (trim_blanks(s).empty())
    return out;
  for (;;) {
    auto comma = s.find(',');
    out.push_back(s.substr(0, comma));
    if (comma == std::string_view::npos)
      break;
    s = s.substr(comma + 1);
  }
  return out;
}

/// The typed value of `text`, or nullopt when it is not legal for `spec`.
std::optional<value> scalar_value(const key_spec& spec, const std::string& text) {
  switch (spec.type) {
  case value_type::boolean:
    if (text == "true" || text == "false")
      return value{text == "true"};
    return std::nullopt;
  case value_type::integer: {
    auto v = parse_int(text);
    if (!v || *v < spec.min || *v > spec.max)
      return std::nullopt;
    return value{*v};
  }
  case value_type::string:
    if (spec.is_valid && !spec.is_valid(text))
      return std::nullopt;
    return value{text};
  case value_type::enumeration:
    for (const auto& c : spec.choices)
      if (c == text)
        return value{text};
    return std::nullopt;
  case value_type::integer_list: {
    auto v = parse_int_items(split_commas(text), spec.min, spec.max);
    if (!v)
      return std::nullopt;
    return value{std::move(*v)};
  }
  }
  return std::nullopt;
}

expected<value, config_error> convert_scalar(const key_spec& spec, const std::string& text,
                                             std::string_view raw, std::string_view where) {
  auto v = scalar_value(spec, text);
  if (!v)
    return unexpected{expected_error(spec, raw, where)};
  return std::move(*v);
}

} // namespace

std::string_view key_spec::section() const {
  auto dot = key.rfind('.');
  return dot == std::string::npos ? std::string_view{} : std::string_view{key}.substr(0, dot);
}

std::string_view key_spec::name() const {
  auto dot = key.rfind('.');
  return dot == std::string::npos ? std::string_view{key} : std::string_view{key}.substr(dot + 1);
}

std::string key_spec::legal_values() const {
  switch (type) {
  case value_type::boolean:
    return "true or false";
  case value_type::integer:
    return "an integer in " + range_text(min, max);
  case value_type::string:
    return legal.empty() ? "a string" : legal;
  case value_type::enumeration: {
    std::string out = "one of ";
    for (size_t i = 0; i < choices.size(); ++i)
      out += (i > 0 ? ", " : "") + choices[i];
    return out;
  }
  case value_type::integer_list:
    return "a list of integers, each in " + range_text(min, max);
  }
  return "?";
}

std::string_view key_spec::placeholder() const {
  switch (type) {
  case value_type::boolean:
    return "BOOL";
  case value_type::integer:
    return "INT";
  case value_type::string:
    return "STRING";
  case value_type::enumeration:
    return "WORD";
  case value_type::integer_list:
    return "LIST";
  }
  return "VALUE";
}

config_error expected_error(const key_spec& spec, std::string_view given, std::string_view where) {
  return config_error{spec.key, spec.key + ": expected " + spec.legal_values() + ", got '" +
                                    std::string{given} + "' (" + std::string{where} + ")"};
}

expected<value, config_error> convert(const key_spec& spec, const ini_value& written,
                                      std::string_view where) {
  if (!written.is_list)
    return convert_scalar(spec, written.text, written.raw, where);
  if (spec.type != value_type::integer_list)
    return unexpected{expected_error(spec, written.raw, where)};
  std::vector<std::string_view> items;
  for (const auto& item : written.items)
    items.push_back(item.text);
  auto v = parse_int_items(items, spec.min, spec.max);
  if (!v)
    return unexpected{expected_error(spec, written.raw, where)};
  return value{std::move(*v)};
}

expected<value, config_error> convert_text(const key_spec& spec, std::string_view text,
                                           std::string_view where) {
  if (spec.type == value_type::integer_list && !trim_blanks(text).empty() &&
      trim_blanks(text).front() == '[') {
    auto parsed = parse_ini_value(text);
    if (!parsed || !parsed->is_list)
      return unexpected{expected_error(spec, text, where)};
    return convert(spec, *parsed, where);
  }
  return convert_scalar(spec, std::string{text}, text, where);
}

std::optional<config_error> check(const key_spec& spec, const value& v, std::string_view where) {
  auto bad = [&] { return expected_error(spec, format_value(v, true), where); };
  switch (spec.type) {
  case value_type::boolean:
    if (!std::holds_alternative<bool>(v))
      return bad();
    return std::nullopt;
  case value_type::integer: {
    auto i = std::get_if<int64_t>(&v);
    if (i == nullptr || *i < spec.min || *i > spec.max)
      return bad();
    return std::nullopt;
  }
  case value_type::string: {
    auto s = std::get_if<std::string>(&v);
    if (s == nullptr || (spec.is_valid && !spec.is_valid(*s)))
      return bad();
    return std::nullopt;
  }
  case value_type::enumeration: {
    auto s = std::get_if<std::string>(&v);
    if (s != nullptr)
      for (const auto& c : spec.choices)
        if (c == *s)
          return std::nullopt;
    return bad();
  }
  case value_type::integer_list: {
    auto l = std::get_if<std::vector<int64_t>>(&v);
    if (l == nullptr)
      return bad();
    for (auto i : *l)
      if (i < spec.min || i > spec.max)
        return bad();
    return std::nullopt;
  }
  }
  return bad();
}

} // namespace shelfwire::config
