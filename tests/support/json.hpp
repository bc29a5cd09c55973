#pragma once

// A small strict JSON parser (RFC 8259 grammar) for tests: enough for the
// nodes' metrics snapshots, shelfwire-sim's report and shelfwire-inspect's
// --json output. A \u escape is read as '?'.

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shelfwire::testing {

/// One JSON value; objects keep their members in document order.
struct json_value {
  enum class kind { null, boolean, number, string, array, object };
  kind k = kind::null;
  bool boolean = false;
  double number = 0;
  std::string text; ///< string value, or the number as written
  std::vector<json_value> array;
  std::vector<std::pair<std::string, json_value>> object;

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
  bool is_object() const { return k == kind::object; }
  bool is_number() const { return k == kind::number; }
  bool is_string() const { return k == kind::string; }
  /// A number written as a non-negative integer (no fraction, no exponent).
  bool is_count() const {
    return k == kind::number && !text.empty() &&
           text.find_first_not_of("0123456789") == std::string::npos;
  }
};

/// Parses one JSON text: json_parser::parse(text, &error).
class json_parser {
public:
  /// The value of the whole text, or nullopt (and `error()`) if it is not
  /// exactly one JSON value.
  static std::optional<json_value> parse(std::string_view text, std::string* error = nullptr) {
    json_parser p{text};
    json_value v;
    bool ok = p.value(v, 0);
    p.skip_ws();
    if (ok && p.pos_ != text.size())
      ok = p.fail("trailing characters");
    if (!ok) {
      if (error)
        *error = p.error_ + " at offset " + std::to_string(p.pos_);
      return std::nullopt;
    }
    return v;
  }

private:
  explicit json_parser(std::string_view s)
      : s_(s) {}

  bool fail(std::string why) {
    if (error_.empty())
      error_ = std::move(why);
    return false;
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word)
      return fail("bad literal");
    pos_ += word.size();
    return true;
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool value(json_value& v, int depth) {
    if (depth > 32)
      return fail("nested too deeply");
    skip_ws();
    if (pos_ >= s_.size())
      return fail("unexpected end");
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

  bool object(json_value& v, int depth) {
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
      if (pos_ >= s_.size() || s_[pos_] != '"' || !string(key))
        return fail("expected a key");
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

  bool array(json_value& v, int depth) {
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

  bool string(std::string& out) {
    ++pos_; // '"'
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"')
        return true;
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size())
        break;
      char e = s_[pos_++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        for (int i = 0; i < 4; ++i, ++pos_)
          if (pos_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_])))
            return fail("bad \\u escape");
        out += '?'; // the code point itself does not matter here
        break;
      default:
        return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }

  bool number(json_value& v) {
    auto start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-')
      ++pos_;
    if (pos_ >= s_.size() || !digit(s_[pos_]))
      return fail("expected a value");
    if (s_[pos_] == '0')
      ++pos_;
    else
      while (pos_ < s_.size() && digit(s_[pos_]))
        ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (pos_ >= s_.size() || !digit(s_[pos_]))
        return fail("bad fraction");
      while (pos_ < s_.size() && digit(s_[pos_]))
        ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-'))
        ++pos_;
      if (pos_ >= s_.size() || !digit(s_[pos_]))
        return fail("bad exponent");
      while (pos_ < s_.size() && digit(s_[pos_]))
        ++pos_;
    }
    v.k = json_value::kind::number;
    v.text = std::string{s_.substr(start, pos_ - start)};
    v.number = std::strtod(v.text.c_str(), nullptr);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

} // namespace shelfwire::testing
