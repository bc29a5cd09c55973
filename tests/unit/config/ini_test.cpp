#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/ini.hpp"

using namespace shelfwire::config;

namespace {

ini_document parse_ok(const std::string& text) {
  auto doc = parse_ini(text, "t.ini");
  INFO((doc ? std::string{} : doc.error().message));
  REQUIRE(doc.has_value());
  return *doc;
}

config_error parse_fail(const std::string& text) {
  auto doc = parse_ini(text, "t.ini");
  REQUIRE_FALSE(doc.has_value());
  return doc.error();
}

const ini_entry& entry(const ini_document& doc, const std::string& dotted) {
  for (const auto& e : doc.entries)
    if (e.dotted() == dotted)
      return e;
  FAIL("no entry " << dotted);
  return doc.entries.front();
}

} // namespace

TEST_CASE("ini: sections, keys, bare values and line numbers") {
  auto doc = parse_ok("[a]\n"
                      "x = 1\n"
                      "\n"
                      "  y=two words  \n"
                      "[b.c]\n"
                      "z-k_2 = tcp://h:1\n");
  REQUIRE(doc.entries.size() == 3);
  CHECK(doc.entries[0].section == "a");
  CHECK(doc.entries[0].key == "x");
  CHECK(doc.entries[0].value.text == "1");
  CHECK_FALSE(doc.entries[0].value.quoted);
  CHECK(doc.entries[0].line == 2);
  CHECK(entry(doc, "a.y").value.text == "two words");
  CHECK(entry(doc, "a.y").line == 4);
  CHECK(entry(doc, "b.c.z-k_2").value.text == "tcp://h:1");
  REQUIRE(doc.sections.size() == 2);
  CHECK(doc.sections[1].name == "b.c");
  CHECK(doc.sections[1].line == 5);
  CHECK(doc.where(7) == "t.ini:7");
}

TEST_CASE("ini: comments on their own lines and trailing after whitespace") {
  auto doc = parse_ok("; full line\n"
                      "# also full line\n"
                      "   ; indented\n"
                      "[s] ; after a header\n"
                      "a = 1 ; trailing\n"
                      "b = 2\t# trailing after a tab\n"
                      "c = x#y\n"
                      "d = x;y\n"
                      "e = ; only a comment\n"
                      "f =\n"
                      "g = \"q ; not # a comment\" ; but this is\n"
                      "h = [1, 2] # after a list\n");
  CHECK(entry(doc, "s.a").value.text == "1");
  CHECK(entry(doc, "s.b").value.text == "2");
  CHECK(entry(doc, "s.c").value.text == "x#y");
  CHECK(entry(doc, "s.d").value.text == "x;y");
  CHECK(entry(doc, "s.e").value.text.empty());
  CHECK(entry(doc, "s.f").value.text.empty());
  CHECK(entry(doc, "s.g").value.text == "q ; not # a comment");
  CHECK(entry(doc, "s.g").value.quoted);
  CHECK(entry(doc, "s.h").value.is_list);
  CHECK(entry(doc, "s.h").value.items.size() == 2);
}

TEST_CASE("ini: quoted strings") {
  auto doc = parse_ok("[s]\n"
                      "a = \"with spaces \"\n"
                      "b = 'single \\n raw'\n"
                      "c = \"esc \\\" \\\\ \\n \\t \\r\"\n"
                      "d = \"\"\n");
  CHECK(entry(doc, "s.a").value.text == "with spaces ");
  CHECK(entry(doc, "s.b").value.text == "single \\n raw");
  CHECK(entry(doc, "s.c").value.text == "esc \" \\ \n \t \r");
  CHECK(entry(doc, "s.d").value.text.empty());
  CHECK(entry(doc, "s.d").value.quoted);
  CHECK(entry(doc, "s.d").value.raw == "\"\"");
  SECTION("text after the closing quote") {
    auto err = parse_ini("[s]\na = \"x\" y\n", "t.ini");
    REQUIRE_FALSE(err);
    CHECK(err.error().key == "s.a");
    CHECK(err.error().message.find("t.ini:2") != std::string::npos);
  }
  CHECK(parse_fail("[s]\na = 'x\n").message.find("unterminated string") != std::string::npos);
  CHECK(parse_fail("[s]\n\na = \"x\\q\"\n").message.find("t.ini:3") != std::string::npos);
}

TEST_CASE("ini: lists") {
  auto doc = parse_ok("[s]\n"
                      "a = [1, 2 ,3]\n"
                      "b = [\"x, y\", 'z', bare word]\n"
                      "c = []\n"
                      "d = [ ]\n");
  const auto& a = entry(doc, "s.a").value;
  REQUIRE(a.is_list);
  REQUIRE(a.items.size() == 3);
  CHECK(a.items[0].text == "1");
  CHECK(a.items[1].text == "2");
  CHECK(a.items[2].text == "3");
  CHECK(a.raw == "[1, 2 ,3]");
  const auto& b = entry(doc, "s.b").value;
  REQUIRE(b.items.size() == 3);
  CHECK(b.items[0].text == "x, y");
  CHECK(b.items[0].quoted);
  CHECK(b.items[1].text == "z");
  CHECK(b.items[2].text == "bare word");
  CHECK(entry(doc, "s.c").value.is_list);
  CHECK(entry(doc, "s.c").value.items.empty());
  CHECK(entry(doc, "s.d").value.items.empty());

  CHECK(parse_fail("[s]\na = [1, 2\n").message == "s.a: unterminated list: missing ']' (lists "
                                                  "fit on one line) (t.ini:2)");
  CHECK(parse_fail("[s]\na = [1,,2]\n").message.find("empty list element") != std::string::npos);
  CHECK(parse_fail("[s]\na = [1, 2,]\n").message.find("empty list element") != std::string::npos);
  CHECK(parse_fail("[s]\na = [1] x\n").message.find("after ']'") != std::string::npos);
  CHECK(parse_fail("[s]\na = [[1]]\n").message.find("t.ini:2") != std::string::npos);
}

TEST_CASE("ini: bad lines are errors with file:line") {
  auto err = parse_fail("[s]\na = 1\njust words\n");
  CHECK(err.key.empty());
  CHECK(err.message ==
        "t.ini:3: expected 'key = value', '[section]' or a comment, got 'just words'");

  err = parse_fail("a = 1\n");
  CHECK(err.message.find("t.ini:1") != std::string::npos);
  CHECK(err.message.find("outside any [section]") != std::string::npos);

  err = parse_fail("\nmqtt.url = x\n");
  CHECK(err.message.find("t.ini:2") != std::string::npos);
  CHECK(err.message.find("write [mqtt] and then url = ...") != std::string::npos);

  CHECK(parse_fail("[s\n").message.find("t.ini:1: unterminated section header") == 0);
  CHECK(parse_fail("[]\n").message.find("t.ini:1: bad section name") == 0);
  CHECK(parse_fail("[a b]\n").message.find("bad section name 'a b'") != std::string::npos);
  CHECK(parse_fail("[s] x\n").message.find("t.ini:1: unexpected text after section header") == 0);
  CHECK(parse_fail("[s]\n\n\nbad key = 1\n").message.find("t.ini:4: bad key name 'bad key'") == 0);
  CHECK(parse_fail("[s]\na.b = 1\n").message.find("bad key name 'a.b'") != std::string::npos);
  CHECK(parse_fail("[s]\n= 1\n").message.find("t.ini:2: bad key name ''") == 0);
}

TEST_CASE("ini: a key given twice is an error, a reopened section is not") {
  auto err = parse_fail("[s]\na = 1\n[t]\nb = 2\n[s]\na = 3\n");
  CHECK(err.key == "s.a");
  CHECK(err.message == "s.a: duplicate key (t.ini:6), first set at t.ini:2");

  auto doc = parse_ok("[s]\na = 1\n[t]\nb = 2\n[s]\nc = 3\n");
  CHECK(doc.entries.size() == 3);
  CHECK(doc.sections.size() == 2);
  CHECK(entry(doc, "s.c").section == "s");
}

TEST_CASE("ini: CRLF line ends and a byte order mark") {
  auto doc = parse_ok("\xEF\xBB\xBF[s]\r\na = 1\r\nb = \"x\"\r\n");
  CHECK(entry(doc, "s.a").value.text == "1");
  CHECK(entry(doc, "s.b").value.text == "x");
  CHECK(entry(doc, "s.b").line == 3);
}

TEST_CASE("ini: files") {
  auto missing = parse_ini_file("/nonexistent/dir/x.ini");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().key == "--config");
  CHECK(missing.error().message.find("'/nonexistent/dir/x.ini'") != std::string::npos);
  CHECK(missing.error().message.find("No such file") != std::string::npos);

  auto dir = parse_ini_file("/");
  CHECK_FALSE(dir);

  std::string path = (std::filesystem::temp_directory_path() /
                      ("config_ini_test_" + std::to_string(::getpid()) + ".ini"))
                         .string();
  {
    std::ofstream f{path};
    f << "[s]\n\n\nbroken\n";
  }
  auto bad = parse_ini_file(path);
  std::remove(path.c_str());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find(path + ":4:") == 0);
}

TEST_CASE("ini: parse_ini_value") {
  CHECK(parse_ini_value("  x y ")->text == "x y");
  CHECK(parse_ini_value("[1,2]")->items.size() == 2);
  CHECK(parse_ini_value("'a'")->quoted);
  CHECK_FALSE(parse_ini_value("\"a"));
}
