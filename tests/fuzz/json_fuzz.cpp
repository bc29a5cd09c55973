// json_parser::parse (runtime/core/json_reader.hpp): job files given to
// shelfwire-submit, and what the tools read back. A parsed value is written
// again and must parse to the same value; every string it holds must also
// survive json_writer (the writer of reports and --json output).

#include <string>

#include "runtime/core/json_reader.hpp"
#include "runtime/core/json_writer.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using shelfwire::json_value;

void write_string(const std::string& s, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void write(const json_value& v, std::string& out) {
  switch (v.k) {
  case json_value::kind::null:
    out += "null";
    break;
  case json_value::kind::boolean:
    out += v.boolean ? "true" : "false";
    break;
  case json_value::kind::number:
    out += v.text; // as written
    break;
  case json_value::kind::string:
    write_string(v.text, out);
    break;
  case json_value::kind::array:
    out += '[';
    for (size_t i = 0; i < v.array.size(); ++i) {
      if (i > 0)
        out += ',';
      write(v.array[i], out);
    }
    out += ']';
    break;
  case json_value::kind::object:
    out += '{';
    for (size_t i = 0; i < v.object.size(); ++i) {
      if (i > 0)
        out += ',';
      write_string(v.object[i].first, out);
      out += ':';
      write(v.object[i].second, out);
    }
    out += '}';
    break;
  }
}

bool same(const json_value& a, const json_value& b) {
  if (a.k != b.k)
    return false;
  switch (a.k) {
  case json_value::kind::null:
    return true;
  case json_value::kind::boolean:
    return a.boolean == b.boolean;
  case json_value::kind::number:
    return a.text == b.text &&
           (a.number == b.number || (a.number != a.number && b.number != b.number));
  case json_value::kind::string:
    return a.text == b.text;
  case json_value::kind::array:
    if (a.array.size() != b.array.size())
      return false;
    for (size_t i = 0; i < a.array.size(); ++i)
      if (!same(a.array[i], b.array[i]))
        return false;
    return true;
  case json_value::kind::object:
    if (a.object.size() != b.object.size())
      return false;
    for (size_t i = 0; i < a.object.size(); ++i)
      if (a.object[i].first != b.object[i].first || !same(a.object[i].second, b.object[i].second))
        return false;
    return true;
  }
  return false;
}

/// Every string (names too) through json_writer and back.
void check_writer(const json_value& v) {
  auto one = [](const std::string& s) {
    shelfwire::json_writer w;
    w.value(s);
    auto back = shelfwire::json_parser::parse(w.str());
    FUZZ_CHECK(back && back->is_string() && back->text == s, "json_writer string round trip");
  };
  if (v.is_string())
    one(v.text);
  for (const auto& x : v.array)
    check_writer(x);
  for (const auto& [name, x] : v.object) {
    one(name);
    check_writer(x);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error;
  auto v = shelfwire::json_parser::parse(fuzz::as_text(data, size), &error);
  if (!v) {
    FUZZ_CHECK(!error.empty(), "a refusal says why");
    return 0;
  }
  std::string again;
  write(*v, again);
  auto back = shelfwire::json_parser::parse(again, &error);
  FUZZ_CHECK(back, "a written value parses");
  FUZZ_CHECK(same(*back, *v), "parse -> write -> parse changed the value");
  check_writer(*v);
  return 0;
}
