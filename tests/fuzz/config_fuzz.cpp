// The node's configuration loader as a whole, driven from a string: parse_ini
// -> apply_ini with the node schema (config/node_config.hpp) -> check_all.
// Whatever loads must survive the options struct (schema write -> read) and
// --dump-config's rendering (render_ini -> parse_ini -> apply_ini) unchanged.

#include <string>

#include "config/loader.hpp"
#include "config/node_config.hpp"
#include "config/render.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace shelfwire;
using namespace shelfwire::config;

/// Same values for every key (origins aside); secrets are rendered as
/// "set"/"unset" by the dump and are compared only when `secrets`.
bool same_values(const schema_base& schema, const settings& a, const settings& b, bool secrets) {
  for (const auto& spec : schema.keys()) {
    if (spec.secret && !secrets)
      continue;
    auto x = a.find(spec.key);
    auto y = b.find(spec.key);
    if (!x || !y || x->v != y->v)
      return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto& schema = node_schema();
  static const settings defaults = schema.read(node_options{});

  auto doc = parse_ini(fuzz::as_text(data, size), "fuzz.ini");
  if (!doc)
    return 0;
  settings values = defaults;
  if (auto e = apply_ini(schema, *doc, values)) {
    FUZZ_CHECK(!e->message.empty(), "a refusal says why");
    return 0;
  }
  if (auto e = check_all(schema, values)) {
    FUZZ_CHECK(!e->message.empty(), "a refusal says why");
    return 0;
  }
  // Into the options struct and back: no value is narrowed or lost.
  node_options opts;
  schema.write(values, opts);
  FUZZ_CHECK(same_values(schema, schema.read(opts), values, true), "options write -> read");
  if (doc->entries.empty())
    return 0; // the defaults: rendered and read back by the unit tests
  // --dump-config reads back to the same configuration.
  auto text = render_ini(schema, values, defaults, "fuzz");
  auto again = parse_ini(text, "dump.ini");
  FUZZ_CHECK(again, "the dump parses");
  settings back = defaults;
  auto e = apply_ini(schema, *again, back);
  FUZZ_CHECK(!e, "the dump applies");
  FUZZ_CHECK(same_values(schema, back, values, false), "dump -> load changed a value");
  return 0;
}
