#include "config/render.hpp"

#include <sstream>

#include "config/secrets.hpp"

namespace shelfwire::config {

namespace {

constexpr size_t wrap_width = 100;

/// Word-wraps `text` into lines starting with `prefix`.
void wrap(std::ostringstream& out, std::string_view prefix, std::string_view text) {
  std::string line{prefix};
  bool empty = true;
  while (!text.empty()) {
    auto sp = text.find(' ');
    auto word = text.substr(0, sp);
    text = sp == std::string_view::npos ? std::string_view{} : text.substr(sp + 1);
    if (word.empty())
      continue;
    if (!empty && line.size() + 1 + word.size() > wrap_width) {
      out << line << '\n';
      line = std::string{prefix};
      empty = true;
    }
    if (!empty)
      line += ' ';
    line += word;
    empty = false;
  }
  if (!empty)
    out << line << '\n';
}

std::string default_of(const key_spec& spec, const settings& defaults) {
  auto s = defaults.find(spec.key);
  return s ? display_value(spec, s->v) : std::string{"(none)"};
}

std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

} // namespace

std::string display_value(const key_spec& spec, const value& v) {
  return format_value(v, spec.type == value_type::enumeration);
}

std::string legal_with_rules(const schema_base& schema, const key_spec& spec) {
  std::string out =
      spec.type == value_type::string && spec.legal.empty() ? "any string" : spec.legal_values();
  for (const auto& r : schema.rules())
    if (!r.keys.empty() && r.keys.front() == spec.key && !r.doc.empty())
      out += ", " + r.doc;
  return out;
}

std::string render_ini(const schema_base& schema, const settings& values, const settings& defaults,
                       std::string_view header) {
  std::ostringstream out;
  std::string_view h = header;
  while (!h.empty()) {
    auto nl = h.find('\n');
    auto line = h.substr(0, nl);
    out << (line.empty() ? "#" : "# ") << line << '\n';
    h = nl == std::string_view::npos ? std::string_view{} : h.substr(nl + 1);
  }
  for (const auto& sec : schema.sections()) {
    out << "\n[" << sec.name << "]\n";
    if (!sec.doc.empty())
      wrap(out, "# ", sec.doc);
    for (const auto& spec : schema.keys()) {
      if (spec.section() != sec.name)
        continue;
      out << '\n';
      wrap(out, "# ", spec.doc);
      wrap(out, "#   ", "legal: " + legal_with_rules(schema, spec));
      wrap(out, "#   ", "default: " + default_of(spec, defaults));
      auto s = values.find(spec.key);
      auto shown = s ? display_value(spec, s->v) : std::string{};
      // Never print a password or token; a reference to one ($__file{...},
      // $__env{...}) is not secret and says where it comes from.
      bool reference = s && std::holds_alternative<std::string>(s->v) &&
                       is_secret_reference(std::get<std::string>(s->v));
      if (spec.secret && shown != "\"\"" && !reference)
        shown = "\"<set, hidden>\"";
      out << spec.name() << " = " << shown << '\n';
    }
  }
  return out.str();
}

std::string render_usage(const schema_base& schema, const settings& defaults) {
  std::ostringstream out;
  const auto& p = schema.program();
  out << "usage: " << p << " [--config FILE] [--SECTION.KEY=VALUE ...]\n"
      << "       " << p << " [--config FILE] [--SECTION.KEY=VALUE ...] --dump-config\n"
      << "       " << p << " [--config FILE] [--SECTION.KEY=VALUE ...] --check-config\n"
      << "       " << p << " --help\n\n";
  if (!schema.description().empty()) {
    wrap(out, "", schema.description());
    out << '\n';
  }
  out << "options:\n"
      << "  --config FILE, --config=FILE  read keys from an INI file\n"
      << "  --SECTION.KEY=VALUE           set one key (lists: 1,2 or [1,2])\n"
      << "  --dump-config                 print the effective configuration as INI, exit 0\n"
      << "  --check-config                validate the configuration, exit 0\n"
      << "  -h, --help                    print this help, exit 0\n\n"
      << "Precedence: defaults < --config file < command line (the last of repeated\n"
      << "options wins). A bad value, an unknown key or section, or a key given twice\n"
      << "in the file stops the program with a message naming the key.\n\n"
      << "keys:\n";
  for (const auto& sec : schema.sections()) {
    out << "\n[" << sec.name << "]";
    if (!sec.doc.empty())
      out << ' ' << sec.doc;
    out << '\n';
    for (const auto& spec : schema.keys()) {
      if (spec.section() != sec.name)
        continue;
      out << "  --" << spec.key << '=' << spec.placeholder()
          << "  (default: " << default_of(spec, defaults) << ")\n";
      wrap(out, "      ", spec.doc);
      wrap(out, "      ", "Legal: " + legal_with_rules(schema, spec) + ".");
    }
  }
  return out.str();
}

std::string render_markdown(const schema_base& schema, const settings& defaults) {
  std::ostringstream out;
  bool first = true;
  for (const auto& sec : schema.sections()) {
    if (!first)
      out << '\n';
    first = false;
    out << "### `[" << sec.name << "]`\n\n";
    if (!sec.doc.empty())
      out << sec.doc << "\n\n";
    out << "| key | type | default | legal values | meaning |\n"
        << "|---|---|---|---|---|\n";
    for (const auto& spec : schema.keys()) {
      if (spec.section() != sec.name)
        continue;
      out << "| `" << spec.key << "` | " << type_name(spec.type) << " | `"
          << cell(default_of(spec, defaults)) << "` | " << cell(legal_with_rules(schema, spec))
          << " | " << cell(spec.doc) << " |\n";
    }
  }
  return out.str();
}

} // namespace shelfwire::config
