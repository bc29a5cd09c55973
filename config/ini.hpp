#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "runtime/core/expected.hpp"

namespace shelfwire::config {

/// One value as written in an INI file: a scalar (bare word or quoted string)
/// or a one-line list of scalars. Types are not known here: the schema
/// converts (see key_spec.hpp).
struct ini_value {
  /// True for `[a, b]`; then `items` holds the elements and `text` is empty.
  bool is_list = false;
  /// Scalar: the text, quotes removed and escapes resolved.
  std::string text;
  /// Scalar: written between quotes ("..." or '...').
  bool quoted = false;
  /// List: the elements, each a scalar.
  std::vector<ini_value> items;
  /// The value exactly as written (trimmed, comment removed), for messages.
  std::string raw;
};

/// `key = value` inside a `[section]`.
struct ini_entry {
  std::string section;
  std::string key;
  ini_value value;
  int line = 0;
  /// "section.key", the name the schema knows the key by.
  std::string dotted() const { return section + "." + key; }
};

/// A `[section]` header (the first one of that name, when a section is reopened).
struct ini_section {
  std::string name;
  int line = 0;
};

/// A parsed file: its entries in file order, and its sections.
struct ini_document {
  /// The name used in messages ("node.ini", "/etc/shelfwire/node.ini").
  std::string source;
  std::vector<ini_section> sections;
  std::vector<ini_entry> entries;
  /// "source:line".
  std::string where(int line) const { return source + ":" + std::to_string(line); }
};

/// Parses INI text. The grammar, one construct per line:
///
///     ; comment            # comment
///     [section]            ; names: letters, digits, '_', '-', '.'
///     key = bare words     ; trailing comment after whitespace
///     key = "double \"quoted\"\n"   key = 'single, no escapes'
///     key = [1, 2, 3]      key = ["a", 'b', c]      key = []
///     key =                ; empty value
///
/// Comments start with ';' or '#' on their own line or after whitespace
/// following a value (`a#b` is the bare value "a#b"). Keys (letters, digits,
/// '_', '-') must follow a section header. A section may be reopened; a key
/// given twice is an error. Errors name `source:line`.
expected<ini_document, config_error> parse_ini(std::string_view text, std::string source);

/// Reads and parses a file; `path` is used as the source name in messages.
expected<ini_document, config_error> parse_ini_file(const std::string& path);

/// Parses one value as it would appear after `key =` (comments allowed).
/// Returns the error text without location on failure.
expected<ini_value, std::string> parse_ini_value(std::string_view text);

} // namespace shelfwire::config
