#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/value.hpp"

namespace shelfwire::config {

/// One key's effective value and where it came from.
struct setting {
  value v;
  /// "default", "node.ini:12" or "command line".
  std::string origin;
};

/// The effective value of every key, by dotted name: what the loader builds
/// (defaults, then the file, then the command line) before writing it into
/// the options struct. Cross-key rules read it.
class settings {
public:
  using map_type = std::map<std::string, setting, std::less<>>;

  /// Sets (or replaces) a key's value.
  void set(std::string key, value v, std::string origin);
  /// Null when the key has no value.
  const setting* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  /// Typed reads; a missing key or another type yields false / 0 / "" / {}.
  bool boolean(std::string_view key) const;
  int64_t integer(std::string_view key) const;
  const std::string& string(std::string_view key) const;
  const std::vector<int64_t>& integer_list(std::string_view key) const;
  /// Where the key's value came from; "" when missing.
  const std::string& origin(std::string_view key) const;

  size_t size() const { return values_.size(); }
  map_type::const_iterator begin() const { return values_.begin(); }
  map_type::const_iterator end() const { return values_.end(); }

private:
  map_type values_;
};

} // namespace shelfwire::config
