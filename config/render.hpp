#pragma once

#include <string>
#include <string_view>

#include "config/schema.hpp"
#include "config/settings.hpp"

namespace shelfwire::config {

/// `values` as an INI file that parse_ini (and the loader) read back to the
/// same values: `header` as leading comments, then each section with its doc,
/// and each key preceded by comments giving its doc, legal values and default
/// (from `defaults`). Used by --dump-config and to write config/shelfwire.ini.
std::string render_ini(const schema_base& schema, const settings& values, const settings& defaults,
                       std::string_view header);

/// The --help text: usage, options, then every key with its placeholder,
/// default, doc and legal values.
std::string render_usage(const schema_base& schema, const settings& defaults);

/// One Markdown table per section (key, type, default, legal values,
/// meaning), as used in docs/configuration.md.
std::string render_markdown(const schema_base& schema, const settings& defaults);

/// A key's value as shown to users: enum words bare, strings quoted.
std::string display_value(const key_spec& spec, const value& v);

/// The legal values of a key including the cross-key rules on it
/// ("an integer in [10, 600000], must be >= mqtt.reconnect-min-ms").
std::string legal_with_rules(const schema_base& schema, const key_spec& spec);

} // namespace shelfwire::config
