#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shelfwire {

/// Appends `s` as a JSON string literal (with its quotes): `"` and `\`
/// escaped, \b \f \n \r \t, other control characters (< 0x20, and 0x7F) as
/// \u00XX; every byte that is not part of well-formed UTF-8 becomes U+FFFD,
/// so the result is always valid JSON (log lines, snapshots, reports).
void append_json_string(std::string& out, std::string_view s);

/// A minimal streaming JSON writer for reports and metrics snapshots.
/// The caller is responsible for well-formed nesting; commas are automatic.
class json_writer {
public:
  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }

  /// Writes an object key; the next value call writes its value.
  json_writer& key(std::string_view k) {
    comma();
    string_literal(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }

  json_writer& value(std::string_view s) {
    comma();
    string_literal(s);
    return *this;
  }
  json_writer& value(const char* s) { return value(std::string_view{s}); }
  json_writer& value(bool b) {
    comma();
    out_ += b ? "true" : "false";
    return *this;
  }
  json_writer& value(int64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  json_writer& value(uint64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  json_writer& value(int v) { return value(static_cast<int64_t>(v)); }
  json_writer& value(unsigned v) { return value(static_cast<uint64_t>(v)); }
  json_writer& value(double v);
  json_writer& null() {
    comma();
    out_ += "null";
    return *this;
  }

  template <class T>
  json_writer& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

private:
  json_writer& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  json_writer& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_ && !out_.empty())
      out_ += ',';
    first_ = false;
  }
  void string_literal(std::string_view s);

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

} // namespace shelfwire
