#include "runtime/core/json_reader.hpp"

#include <cstdlib>

#include "runtime/core/utf8.hpp"

namespace shelfwire {

std::string_view to_string(json_value::kind k) {
  switch (k) {
  case json_value::kind::null:
    return "null";
  case json_value::kind::boolean:
    return "boolean";
  case json_value::kind::number:
    return "number";
  case json_value::kind::string:
    return "string";
  case json_value::kind::array:
    return "array";
  case json_value::kind::object:
    return "object";
  }
  return "value";
}

std::optional<json_value> json_parser::parse(std::string_view text, std::string* error) {
  json_parser p{text};
  json_value v;
  bool ok = p.value(v, 0);
  if (ok) {
    p.skip_ws();
    if (p.pos_ != text.size())
      ok = p.fail("trailing characters after the value");
  }
  if (!ok) {
    if (error)
      *error = p.error_ + " at line " + std::to_string(p.error_line_) + ", column " +
               std::to_string(p.error_column_);
    return std::nullopt;
  }
  return v;
}

bool json_parser::fail(std::string why) {
  if (error_.empty()) {
    error_ = std::move(why);
    error_line_ = line_;
    error_column_ = pos_ - line_start_ + 1;
  }
  return false;
}

void json_parser::skip_ws() {
  while (pos_ < s_.size()) {
    char c = s_[pos_];
    if (c == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      return;
    }
    ++pos_;
  }
}

bool json_parser::literal(std::string_view word) {
  if (s_.substr(pos_, word.size()) != word)
    return fail("unexpected character (expected a value)");
  pos_ += word.size();
  return true;
}

bool json_parser::value(json_value& v, int depth) {
  if (depth > max_depth)
    return fail("nested more than " + std::to_string(max_depth) + " levels deep");
  skip_ws();
  if (pos_ >= s_.size())
    return fail("unexpected end of text (expected a value)");
  v.line = line_;
  switch (s_[pos_]) {
  case '{':
    return object(v, depth);
  case '[':
    return array(v, depth);
  case '"':
    v.k = json_value::kind::string;
    return string(v.text);
  case 't':
    v.k = json_value::kind::boolean;
    v.boolean = true;
    return literal("true");
  case 'f':
    v.k = json_value::kind::boolean;
    return literal("false");
  case 'n':
    v.k = json_value::kind::null;
    return literal("null");
  default:
    return number(v);
  }
}

bool json_parser::object(json_value& v, int depth) {
  v.k = json_value::kind::object;
  ++pos_; // '{'
  skip_ws();
  if (pos_ < s_.size() && s_[pos_] == '}') {
    ++pos_;
    return true;
  }
  for (;;) {
    skip_ws();
    std::string key;
    if (pos_ >= s_.size() || s_[pos_] != '"')
      return fail("expected a member name in double quotes");
    if (!string(key))
      return false;
    skip_ws();
    if (pos_ >= s_.size() || s_[pos_] != ':')
      return fail("expected ':'");
    ++pos_;
    json_value member;
    if (!value(member, depth + 1))
      return false;
    v.object.emplace_back(std::move(key), std::move(member));
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    return fail("expected ',' or '}'");
  }
}

bool json_parser::array(json_value& v, int depth) {
  v.k = json_value::kind::array;
  ++pos_; // '['
  skip_ws();
  if (pos_ < s_.size() && s_[pos_] == ']') {
    ++pos_;
    return true;
  }
  for (;;) {
    json_value element;
    if (!value(element, depth + 1))
      return false;
    v.array.push_back(std::move(element));
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    return fail("expected ',' or ']'");
  }
}

bool json_parser::string(std::string& out) {
  ++pos_; // '"'
  while (pos_ < s_.size()) {
    auto c = static_cast<unsigned char>(s_[pos_]);
    if (c == '"') {
      ++pos_;
      return true;
    }
    if (c < 0x20)
      return fail("control character in a string (write it as an escape)");
    if (c == '\\') {
      ++pos_;
      if (!escape(out))
        return false;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++pos_;
    } else if (!utf8_sequence(out)) {
      return false;
    }
  }
  return fail("unterminated string");
}

bool json_parser::escape(std::string& out) {
  if (pos_ >= s_.size())
    return fail("unterminated string");
  char e = s_[pos_++];
  switch (e) {
  case '"':
  case '\\':
  case '/':
    out += e;
    return true;
  case 'b':
    out += '\b';
    return true;
  case 'f':
    out += '\f';
    return true;
  case 'n':
    out += '\n';
    return true;
  case 'r':
    out += '\r';
    return true;
  case 't':
    out += '\t';
    return true;
  case 'u':
    break;
  default:
    --pos_;
    return fail("bad escape in a string");
  }
  uint32_t cp = 0;
  if (!hex4(cp))
    return false;
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return fail("lone low surrogate in a \\u escape");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    uint32_t low = 0;
    if (s_.substr(pos_, 2) != "\\u")
      return fail("high surrogate not followed by a low surrogate");
    pos_ += 2;
    if (!hex4(low))
      return false;
    if (low < 0xDC00 || low > 0xDFFF)
      return fail("high surrogate not followed by a low surrogate");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return true;
}

bool json_parser::hex4(uint32_t& out) {
  out = 0;
  for (int i = 0; i < 4; ++i, ++pos_) {
    if (pos_ >= s_.size())
      return fail("bad \\u escape (expected 4 hex digits)");
    char c = s_[pos_];
    uint32_t d;
    if (c >= '0' && c <= '9')
      d = static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<uint32_t>(c - 'A' + 10);
    else
      return fail("bad \\u escape (expected 4 hex digits)");
    out = (out << 4) | d;
  }
  return true;
}

/// One multi-byte UTF-8 character at pos_, checked and copied.
bool json_parser::utf8_sequence(std::string& out) {
  auto n = utf8_char_length(s_, pos_);
  if (n == 0)
    return fail("invalid UTF-8 in a string");
  out.append(s_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool json_parser::number(json_value& v) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto start = pos_;
  if (pos_ < s_.size() && s_[pos_] == '-')
    ++pos_;
  if (pos_ >= s_.size() || !digit(s_[pos_]))
    return fail("unexpected character (expected a value)");
  if (s_[pos_] == '0')
    ++pos_;
  else
    while (pos_ < s_.size() && digit(s_[pos_]))
      ++pos_;
  if (pos_ < s_.size() && s_[pos_] == '.') {
    ++pos_;
    if (pos_ >= s_.size() || !digit(s_[pos_]))
      return fail("bad fraction in a number");
    while (pos_ < s_.size() && digit(s_[pos_]))
      ++pos_;
  }
  if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-'))
      ++pos_;
    if (pos_ >= s_.size() || !digit(s_[pos_]))
      return fail("bad exponent in a number");
    while (pos_ < s_.size() && digit(s_[pos_]))
      ++pos_;
  }
  v.k = json_value::kind::number;
  v.text = std::string{s_.substr(start, pos_ - start)};
  v.number = std::strtod(v.text.c_str(), nullptr);
  return true;
}

} // namespace shelfwire
