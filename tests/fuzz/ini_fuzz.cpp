// parse_ini and parse_ini_value (config/ini.hpp): a node's configuration
// file. Every scalar read, quoted with config::quote, must read back to the
// same text (that is how --dump-config writes strings).

#include <set>
#include <string>

#include "config/ini.hpp"
#include "config/value.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace shelfwire::config;

void check_scalar(const ini_value& v) {
  FUZZ_CHECK(!v.is_list, "a scalar");
  auto back = parse_ini_value(quote(v.text));
  FUZZ_CHECK(back && !back->is_list && back->quoted && back->text == v.text,
             "quote() reads back to the same text");
}

void check_value(const ini_value& v) {
  if (!v.is_list) {
    FUZZ_CHECK(v.items.empty(), "a scalar has no items");
    check_scalar(v);
    return;
  }
  FUZZ_CHECK(v.text.empty(), "a list has no text");
  for (const auto& item : v.items)
    check_scalar(item);
}

bool name_ok(const std::string& s, bool dots) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || (dots && c == '.')))
      return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  auto doc = parse_ini(text, "fuzz.ini");
  if (doc) {
    std::set<std::string> keys;
    for (const auto& e : doc->entries) {
      FUZZ_CHECK(name_ok(e.section, true) && name_ok(e.key, false), "section and key names");
      FUZZ_CHECK(keys.insert(e.dotted()).second, "a key given twice is an error");
      FUZZ_CHECK(e.line >= 1, "entries have a line");
      check_value(e.value);
    }
    for (const auto& s : doc->sections)
      FUZZ_CHECK(name_ok(s.name, true), "section names");
  } else {
    FUZZ_CHECK(!doc.error().message.empty(), "a refusal says why");
  }
  // The same bytes as one value (what follows `key =`).
  auto v = parse_ini_value(text);
  if (v)
    check_value(*v);
  return 0;
}
