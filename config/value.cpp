#include "config/value.hpp"

namespace shelfwire::config {

std::string_view type_name(value_type t) {
  switch (t) {
  case value_type::boolean:
    return "bool";
  case value_type::integer:
    return "integer";
  case value_type::string:
    return "string";
  case value_type::enumeration:
    return "enum";
  case value_type::integer_list:
    return "integer list";
  }
  return "?";
}

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string format_value(const value& v, bool bare_string) {
  if (auto b = std::get_if<bool>(&v))
    return *b ? "true" : "false";
  if (auto i = std::get_if<int64_t>(&v))
    return std::to_string(*i);
  if (auto s = std::get_if<std::string>(&v))
    return bare_string ? *s : quote(*s);
  std::string out = "[";
  const auto& list = std::get<std::vector<int64_t>>(v);
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0)
      out += ", ";
    out += std::to_string(list[i]);
  }
  out += ']';
  return out;
}

} // namespace shelfwire::config
