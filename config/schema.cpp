#include "config/schema.hpp"

namespace shelfwire::config {

namespace {

bool is_name(std::string_view s, bool allow_dot) {
  if (s.empty())
    return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || (allow_dot && c == '.');
    if (!ok)
      return false;
  }
  return true;
}

} // namespace

schema_base::schema_base(std::string program, std::string description)
    : program_(std::move(program))
    , description_(std::move(description)) {}

const key_spec* schema_base::find(std::string_view key) const {
  for (const auto& k : keys_)
    if (k.key == key)
      return &k;
  return nullptr;
}

const section_spec* schema_base::find_section(std::string_view name) const {
  for (const auto& s : sections_)
    if (s.name == name)
      return &s;
  return nullptr;
}

std::vector<std::string> schema_base::key_names() const {
  std::vector<std::string> out;
  out.reserve(keys_.size());
  for (const auto& k : keys_)
    out.push_back(k.key);
  return out;
}

void schema_base::add_section(std::string name, std::string doc) {
  if (!is_name(name, true))
    add_problem("section '" + name + "': malformed name");
  if (find_section(name))
    add_problem("section '" + name + "': declared twice");
  sections_.push_back({std::move(name), std::move(doc)});
}

void schema_base::add_key(key_spec spec) {
  auto dot = spec.key.rfind('.');
  if (dot == std::string::npos || !is_name(spec.key.substr(0, dot), true) ||
      !is_name(spec.key.substr(dot + 1), false))
    add_problem(spec.key + ": keys are 'section.key' (letters, digits, '_', '-')");
  else if (!find_section(spec.section()))
    add_problem(spec.key + ": section '" + std::string{spec.section()} + "' is not declared");
  if (find(spec.key))
    add_problem(spec.key + ": declared twice");
  if ((spec.type == value_type::integer || spec.type == value_type::integer_list) &&
      spec.min > spec.max)
    add_problem(spec.key + ": empty range");
  if (spec.type == value_type::enumeration && spec.choices.empty())
    add_problem(spec.key + ": an enumeration needs choices");
  if (spec.doc.empty())
    add_problem(spec.key + ": undocumented");
  keys_.push_back(std::move(spec));
}

void schema_base::add_rule(cross_rule rule) {
  for (const auto& k : rule.keys)
    if (!find(k))
      add_problem("rule on unknown key '" + k + "'");
  rules_.push_back(std::move(rule));
}

void schema_base::mark_secret(std::string_view key) {
  for (auto& k : keys_)
    if (k.key == key) {
      k.secret = true;
      // The forms config/secrets.hpp resolves (a validator, if any, sees the
      // reference, not the secret: secrets carry none).
      if (k.legal.empty())
        k.legal = "the secret itself, $__file{PATH} (the file's content) or $__env{NAME}";
      return;
    }
  add_problem("mark_secret: no key '" + std::string{key} + "'");
}

void schema_base::require_at_least(std::string key, std::string other) {
  for (const auto& k : {key, other}) {
    auto spec = find(k);
    if (spec && spec->type != value_type::integer)
      add_problem("rule '" + key + " >= " + other + "': '" + k + "' is not an integer key");
  }
  cross_rule rule;
  rule.keys = {key, other};
  rule.doc = "must be >= " + other;
  rule.check = [key, other](const settings& s) -> std::optional<config_error> {
    if (s.integer(key) >= s.integer(other))
      return std::nullopt;
    return config_error{key, key + ": must be >= " + other + "; got " + key + " = " +
                                 std::to_string(s.integer(key)) + " (" + s.origin(key) + "), " +
                                 other + " = " + std::to_string(s.integer(other)) + " (" +
                                 s.origin(other) + ")"};
  };
  add_rule(std::move(rule));
}

} // namespace shelfwire::config
