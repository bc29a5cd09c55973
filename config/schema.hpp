#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/config_error.hpp"
#include "config/key_spec.hpp"
#include "config/settings.hpp"
#include "config/value.hpp"

namespace shelfwire::config {

/// A `[section]` of a schema, with its one-line documentation.
struct section_spec {
  std::string name;
  std::string doc;
};

/// A rule over several keys, checked once every key has its final value.
struct cross_rule {
  /// The keys involved; the first is the one the error is reported against.
  std::vector<std::string> keys;
  /// What the rule demands of keys[0], for docs: "must be >= mqtt.reconnect-min-ms".
  std::string doc;
  /// nullopt when the values are acceptable; the error must name every key.
  std::function<std::optional<config_error>(const settings&)> check;
};

/// The type-erased part of a schema: sections, key specs and rules, in the
/// order they were declared. The loader, the dump, --help and the docs
/// generator work on this.
class schema_base {
public:
  /// `program` and `description` head --help and --dump-config output.
  schema_base(std::string program, std::string description);

  const std::string& program() const { return program_; }
  const std::string& description() const { return description_; }
  const std::vector<section_spec>& sections() const { return sections_; }
  const std::vector<key_spec>& keys() const { return keys_; }
  const std::vector<cross_rule>& rules() const { return rules_; }

  /// Null when there is no such key / section.
  const key_spec* find(std::string_view key) const;
  const section_spec* find_section(std::string_view name) const;
  /// Every dotted key name, in declaration order.
  std::vector<std::string> key_names() const;

  /// Declares a section (keys may only be added to declared sections).
  void add_section(std::string name, std::string doc);
  /// Adds a rule checked after all values are known.
  void add_rule(cross_rule rule);
  /// Rule: `key` >= `other` (both integer keys).
  void require_at_least(std::string key, std::string other);
  /// Marks a string key as a secret (hidden in --dump-config).
  void mark_secret(std::string_view key);

  /// Mistakes made while building the schema: malformed or duplicate keys,
  /// undeclared sections, empty ranges, ranges the bound field cannot hold.
  /// The loader refuses to run while this is not empty.
  const std::vector<std::string>& problems() const { return problems_; }

protected:
  /// Adds a key; records a problem (and still adds it) when malformed.
  void add_key(key_spec spec);
  void add_problem(std::string what) { problems_.push_back(std::move(what)); }

private:
  std::string program_;
  std::string description_;
  std::vector<section_spec> sections_;
  std::vector<key_spec> keys_;
  std::vector<cross_rule> rules_;
  std::vector<std::string> problems_;
};

/// A schema bound to an options struct `T`: each key reads and writes one
/// field through an accessor, a generic lambda returning a reference:
///
///     schema<my_options> s{"my-tool", "Does things."};
///     s.add_section("pool", "The worker pool.");
///     s.integer("pool.size", [](auto& o) -> auto& { return o.pool_size; }, 1, 64,
///               "Workers in the pool.");
///
/// The accessor is called with both `T&` and `const T&`. Defaults are the
/// field values of the `T` given to load() (usually `T{}`).
template <class T>
class schema : public schema_base {
public:
  using schema_base::schema_base;

  /// A true/false key bound to a `bool` field.
  template <class Access>
  void boolean(std::string key, Access field, std::string doc) {
    static_assert(std::is_same_v<field_t<Access>, bool>, "boolean keys bind to bool fields");
    key_spec spec;
    spec.key = std::move(key);
    spec.type = value_type::boolean;
    spec.doc = std::move(doc);
    bind(
        std::move(spec), [field](const T& o) { return value{field(o)}; },
        [field](T& o, const value& v) { field(o) = std::get<bool>(v); });
  }

  /// An integer key in [min, max] bound to any integral field that can hold
  /// the whole range.
  template <class Access>
  void integer(std::string key, Access field, int64_t min, int64_t max, std::string doc) {
    using F = field_t<Access>;
    static_assert(std::is_integral_v<F> && !std::is_same_v<F, bool>,
                  "integer keys bind to integral fields");
    key_spec spec;
    spec.key = std::move(key);
    spec.type = value_type::integer;
    spec.doc = std::move(doc);
    spec.min = min;
    spec.max = max;
    if (!fits<F>(min) || !fits<F>(max))
      add_problem(spec.key + ": range does not fit the bound field's type");
    bind(
        std::move(spec), [field](const T& o) { return value{static_cast<int64_t>(field(o))}; },
        [field](T& o, const value& v) { field(o) = static_cast<F>(std::get<int64_t>(v)); });
  }

  /// A string key bound to a `std::string` field. `legal` describes the legal
  /// values (completing "expected ..."); `valid` decides. Both empty: any text.
  template <class Access>
  void string(std::string key, Access field, std::string doc, std::string legal = {},
              string_validator valid = {}) {
    static_assert(std::is_same_v<field_t<Access>, std::string>,
                  "string keys bind to std::string fields");
    key_spec spec;
    spec.key = std::move(key);
    spec.type = value_type::string;
    spec.doc = std::move(doc);
    spec.legal = std::move(legal);
    spec.is_valid = std::move(valid);
    if (spec.legal.empty() != !spec.is_valid)
      add_problem(spec.key + ": a validator needs a description of the legal values and back");
    bind(
        std::move(spec), [field](const T& o) { return value{field(o)}; },
        [field](T& o, const value& v) { field(o) = std::get<std::string>(v); });
  }

  /// A key taking one of `choices`, bound to a `std::string` field.
  template <class Access>
  void enumeration(std::string key, Access field, std::vector<std::string> choices,
                   std::string doc) {
    static_assert(std::is_same_v<field_t<Access>, std::string>,
                  "enumeration keys bind to std::string fields");
    key_spec spec;
    spec.key = std::move(key);
    spec.type = value_type::enumeration;
    spec.doc = std::move(doc);
    spec.choices = std::move(choices);
    bind(
        std::move(spec), [field](const T& o) { return value{field(o)}; },
        [field](T& o, const value& v) { field(o) = std::get<std::string>(v); });
  }

  /// A list of integers, each in [min, max], bound to a `std::vector<E>`
  /// field of an integral E that can hold the range.
  template <class Access>
  void integer_list(std::string key, Access field, int64_t min, int64_t max, std::string doc) {
    using L = field_t<Access>;
    using E = typename L::value_type;
    static_assert(std::is_same_v<L, std::vector<E>> && std::is_integral_v<E> &&
                      !std::is_same_v<E, bool>,
                  "integer_list keys bind to std::vector of an integral type");
    key_spec spec;
    spec.key = std::move(key);
    spec.type = value_type::integer_list;
    spec.doc = std::move(doc);
    spec.min = min;
    spec.max = max;
    if (!fits<E>(min) || !fits<E>(max))
      add_problem(spec.key + ": range does not fit the bound field's element type");
    bind(
        std::move(spec),
        [field](const T& o) {
          std::vector<int64_t> out;
          for (auto e : field(o))
            out.push_back(static_cast<int64_t>(e));
          return value{std::move(out)};
        },
        [field](T& o, const value& v) {
          auto& dst = field(o);
          dst.clear();
          for (auto e : std::get<std::vector<int64_t>>(v))
            dst.push_back(static_cast<E>(e));
        });
  }

  /// Every key's value as found in `options`, with origin `origin`.
  settings read(const T& options, const std::string& origin = "default") const {
    settings out;
    for (size_t i = 0; i < bindings_.size(); ++i)
      out.set(keys()[i].key, bindings_[i].get(options), origin);
    return out;
  }

  /// Writes every key present in `values` into `options`. The values must
  /// have passed check() (the loader guarantees it).
  void write(const settings& values, T& options) const {
    for (size_t i = 0; i < bindings_.size(); ++i)
      if (auto s = values.find(keys()[i].key))
        bindings_[i].set(options, s->v);
  }

private:
  template <class Access>
  using field_t = std::remove_cv_t<
      std::remove_reference_t<decltype(std::declval<Access&>()(std::declval<T&>()))>>;

  struct binding {
    std::function<value(const T&)> get;
    std::function<void(T&, const value&)> set;
  };

  template <class F>
  static bool fits(int64_t v) {
    if constexpr (std::is_signed_v<F>)
      return v >= static_cast<int64_t>(std::numeric_limits<F>::min()) &&
             v <= static_cast<int64_t>(std::numeric_limits<F>::max());
    else
      return v >= 0 &&
             static_cast<uint64_t>(v) <= static_cast<uint64_t>(std::numeric_limits<F>::max());
  }

  template <class Get, class Set>
  void bind(key_spec spec, Get get, Set set) {
    add_key(std::move(spec));
    bindings_.push_back({std::move(get), std::move(set)});
  }

  std::vector<binding> bindings_;
};

} // namespace shelfwire::config
