#include "runtime/core/json_writer.hpp"

#include <cmath>
#include <cstdio>

#include "runtime/core/utf8.hpp"

namespace shelfwire {

json_writer& json_writer::value(double v) {
  comma();
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  out_ += buf;
  return *this;
}

namespace {

void append_hex_escape(std::string& out, unsigned c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\u%04x", c);
  out += buf;
}

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      auto n = utf8_char_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD"; // U+FFFD for the one bad byte; resync after it
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
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
      if (c < 0x20 || c == 0x7F)
        append_hex_escape(out, c);
      else
        out += static_cast<char>(c);
    }
  }
  out += '"';
}

void json_writer::string_literal(std::string_view s) {
  append_json_string(out_, s);
}

} // namespace shelfwire
