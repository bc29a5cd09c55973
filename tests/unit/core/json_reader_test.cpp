// The strict JSON reader (runtime/core/json_reader): values, escapes, UTF-8,
// line numbers, and refusals with their position.

#include <catch2/catch.hpp>

#include "runtime/core/json_reader.hpp"
#include "runtime/core/utf8.hpp"

using namespace shelfwire;

namespace {

std::string error_of(std::string_view text) {
  std::string err;
  auto v = json_parser::parse(text, &err);
  REQUIRE_FALSE(v);
  return err;
}

} // namespace

TEST_CASE("json reader: values of every kind, members in order, lines") {
  auto v = json_parser::parse("{\"a\": [1, -2.5e3, true, false, null],\n \"b\": {\"c\": \"d\"},\n"
                              " \"a\": 0}");
  REQUIRE(v);
  REQUIRE(v->is_object());
  REQUIRE(v->object.size() == 3); // a repeated name is kept: the caller decides
  auto& a = (*v)["a"];
  REQUIRE(a.is_array());
  CHECK(a[0].is_count());
  CHECK(a[0].integer() == 1);
  CHECK(a[1].number == -2500);
  CHECK_FALSE(a[1].is_count());
  CHECK(a[2].is_bool());
  CHECK(a[2].boolean);
  CHECK_FALSE(a[3].boolean);
  CHECK(a[4].is_null());
  CHECK((*v)["b"]["c"].text == "d");
  CHECK(v->line == 1);
  CHECK((*v)["b"].line == 2);
  CHECK(v->object[2].second.line == 3);
  CHECK_THROWS((*v)["zz"]);
}

TEST_CASE("json reader: escapes become UTF-8") {
  auto v = json_parser::parse(R"("\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00")");
  REQUIRE(v);
  CHECK(v->text == "\"\\/\b\f\n\r\t"
                   "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  auto raw = json_parser::parse("\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
  REQUIRE(raw);
  CHECK(raw->text == "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST_CASE("json reader: refusals say what and where") {
  CHECK(error_of("") == "unexpected end of text (expected a value) at line 1, column 1");
  CHECK(error_of("{\n  \"a\" 1}") == "expected ':' at line 2, column 7");
  CHECK(error_of("[1,]") == "unexpected character (expected a value) at line 1, column 4");
  CHECK(error_of("[1 2]") == "expected ',' or ']' at line 1, column 4");
  CHECK(error_of("{\"a\": 1,}") == "expected a member name in double quotes at line 1, column 9");
  CHECK(error_of("{} x").find("trailing characters") == 0);
  CHECK(error_of("\"abc").find("unterminated string") == 0);
  CHECK(error_of("\"a\tb\"").find("control character") == 0);
  CHECK(error_of("\"\\x\"").find("bad escape") == 0);
  CHECK(error_of("\"\\u12g4\"").find("bad \\u escape") == 0);
  CHECK(error_of("\"\\udc00\"").find("lone low surrogate") == 0);
  CHECK(error_of("\"\\ud800x\"").find("high surrogate") == 0);
  CHECK(error_of("\"\\ud800\\u0041\"").find("high surrogate") == 0);
  CHECK(error_of("\"\xC3\"").find("invalid UTF-8") == 0);
  CHECK(error_of("\"\xC0\xAF\"").find("invalid UTF-8") == 0);         // overlong
  CHECK(error_of("\"\xED\xA0\x80\"").find("invalid UTF-8") == 0);     // a surrogate
  CHECK(error_of("\"\xF4\x90\x80\x80\"").find("invalid UTF-8") == 0); // > U+10FFFF
  CHECK(error_of("01").find("trailing characters") == 0);
  CHECK(error_of("1.").find("bad fraction") == 0);
  CHECK(error_of("1e+").find("bad exponent") == 0);
  CHECK(error_of("tru").find("unexpected character") == 0);
  CHECK(error_of("NaN").find("unexpected character") == 0);
  CHECK(error_of(std::string(100, '[')).find("nested more than 64") == 0);
  CHECK(json_parser::parse(std::string(64, '[') + std::string(64, ']')));
}

TEST_CASE("utf8: one character at a time, ill-formed ones refused") {
  CHECK(utf8_char_length("a", 0) == 1);
  CHECK(utf8_char_length("\xC3\xA9", 0) == 2);
  CHECK(utf8_char_length("\xE2\x82\xAC", 0) == 3);
  CHECK(utf8_char_length("\xF0\x9F\x98\x80", 0) == 4);
  CHECK(utf8_char_length("\xF4\x8F\xBF\xBF", 0) == 4); // U+10FFFF
  CHECK(utf8_char_length("", 0) == 0);
  CHECK(utf8_char_length("\x80", 0) == 0);             // a continuation byte alone
  CHECK(utf8_char_length("\xC3", 0) == 0);             // truncated
  CHECK(utf8_char_length("\xC3\x28", 0) == 0);         // not a continuation
  CHECK(utf8_char_length("\xE0\x80\x80", 0) == 0);     // overlong
  CHECK(utf8_char_length("\xED\xBF\xBF", 0) == 0);     // a surrogate
  CHECK(utf8_char_length("\xF4\x90\x80\x80", 0) == 0); // beyond U+10FFFF
  CHECK(utf8_char_length("\xFF", 0) == 0);
}
