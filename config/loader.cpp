#include "config/loader.hpp"

#include <algorithm>
#include <limits>

#include "config/secrets.hpp"
#include "config/suggest.hpp"
#include "runtime/core/text.hpp"

namespace shelfwire::config {

namespace {

constexpr std::string_view command_line_origin = "command line";

const std::vector<std::string>& option_names() {
  static const std::vector<std::string> names = {"--config", "--dump-config", "--check-config",
                                                 "--help"};
  return names;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i > 0 ? std::string{sep} : std::string{}) + items[i];
  return out;
}

/// "; did you mean X?" or a list of what exists, for an unknown key.
std::string key_hint(const schema_base& schema, std::string_view key, bool cli) {
  const std::string dash = cli ? "--" : "";
  auto names = schema.key_names();
  auto best = closest(key, names);
  if (best.empty()) {
    // The same key name in another section ("[mqtt] pool-size")?
    auto dot = key.rfind('.');
    auto short_name = dot == std::string_view::npos ? key : key.substr(dot + 1);
    for (const auto& spec : schema.keys())
      if (spec.name() == short_name) {
        best = spec.key;
        break;
      }
  }
  if (!best.empty())
    return "; did you mean " + dash + best + "?";
  auto dot = key.rfind('.');
  std::string section{dot == std::string_view::npos ? std::string_view{} : key.substr(0, dot)};
  std::vector<std::string> in_section;
  for (const auto& spec : schema.keys())
    if (spec.section() == section)
      in_section.emplace_back(spec.name());
  if (!in_section.empty())
    return "; keys of [" + section + "] are " + join(in_section, ", ");
  return "; see --help for the keys";
}

std::vector<std::string> section_names(const schema_base& schema) {
  std::vector<std::string> out;
  for (const auto& s : schema.sections())
    out.push_back(s.name);
  return out;
}

config_error unknown_key(const schema_base& schema, const std::string& key, std::string_view where,
                         bool cli) {
  return config_error{key, key + ": unknown key (" + std::string{where} + ")" +
                               key_hint(schema, key, cli)};
}

config_error unknown_section(const schema_base& schema, const std::string& name,
                             std::string_view where) {
  auto names = section_names(schema);
  auto best = closest(name, names);
  std::string hint =
      best.empty() ? "; sections are " + join(names, ", ") : "; did you mean [" + best + "]?";
  return config_error{name, "[" + name + "]: unknown section (" + std::string{where} + ")" + hint};
}

} // namespace

expected<command_line, config_error> parse_command_line(const schema_base& schema,
                                                        const std::vector<std::string>& args) {
  command_line cl;
  if (std::any_of(args.begin(), args.end(),
                  [](const std::string& a) { return a == "--help" || a == "-h"; })) {
    cl.action = config_action::help;
    return cl;
  }
  auto fail = [](std::string key, std::string message) {
    return unexpected{config_error{std::move(key), std::move(message)}};
  };
  bool have_config = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config" || starts_with(a, "--config=")) {
      if (have_config)
        return fail("--config", "--config: given twice (command line)");
      have_config = true;
      if (a == "--config") {
        if (i + 1 >= args.size())
          return fail("--config", "--config: missing file name (command line)");
        cl.config_file = args[++i];
      } else {
        cl.config_file = a.substr(9);
      }
      if (cl.config_file.empty())
        return fail("--config", "--config: empty file name (command line)");
      continue;
    }
    if (a == "--dump-config" || a == "--check-config") {
      auto requested = a == "--dump-config" ? config_action::dump : config_action::check;
      if (cl.action != config_action::run && cl.action != requested)
        return fail(a, a + ": --dump-config and --check-config cannot be combined");
      cl.action = requested;
      continue;
    }
    if (!starts_with(a, "-"))
      return fail(a, "'" + a +
                         "': unexpected argument (command line); arguments are --config "
                         "FILE, --SECTION.KEY=VALUE, --dump-config, --check-config, --help");
    auto eq = a.find('=');
    std::string name = a.substr(0, eq);
    if (starts_with(name, "--") && name.find('.') != std::string::npos) {
      std::string key = name.substr(2);
      if (eq == std::string::npos)
        return fail(key, key + ": missing value (command line); write --" + key + "=VALUE");
      cl.overrides.push_back({std::move(key), a.substr(eq + 1)});
      continue;
    }
    // An unknown option: a typo of ours, or a key without its section?
    std::string hint;
    if (auto best = closest(name, option_names()); !best.empty()) {
      hint = "; did you mean " + best + "?";
    } else {
      std::string short_name = starts_with(name, "--") ? name.substr(2) : name;
      for (const auto& spec : schema.keys())
        if (spec.name() == short_name) {
          hint = "; did you mean --" + spec.key + "?";
          break;
        }
      if (hint.empty())
        hint = "; keys are set with --SECTION.KEY=VALUE, see --help";
    }
    return fail(name, name + ": unknown option (command line)" + hint);
  }
  return cl;
}

std::optional<config_error> apply_ini(const schema_base& schema, const ini_document& doc,
                                      settings& values) {
  // Walk sections and entries together, in line order, so that the first
  // error reported is the first one in the file.
  size_t next_section = 0;
  auto check_sections_up_to = [&](int line) -> std::optional<config_error> {
    for (; next_section < doc.sections.size() && doc.sections[next_section].line <= line;
         ++next_section) {
      const auto& sec = doc.sections[next_section];
      if (!schema.find_section(sec.name))
        return unknown_section(schema, sec.name, doc.where(sec.line));
    }
    return std::nullopt;
  };
  for (const auto& entry : doc.entries) {
    if (auto err = check_sections_up_to(entry.line))
      return err;
    auto key = entry.dotted();
    auto where = doc.where(entry.line);
    auto spec = schema.find(key);
    if (spec == nullptr)
      return unknown_key(schema, key, where, false);
    auto v = convert(*spec, entry.value, where);
    if (!v)
      return v.error();
    values.set(key, std::move(*v), where);
  }
  return check_sections_up_to(std::numeric_limits<int>::max());
}

std::optional<config_error> apply_override(const schema_base& schema, const cli_override& o,
                                           settings& values) {
  auto spec = schema.find(o.key);
  if (spec == nullptr) {
    auto dot = o.key.rfind('.');
    auto section = o.key.substr(0, dot);
    if (!schema.find_section(section) && closest(o.key, schema.key_names()).empty())
      return unknown_section(schema, section, command_line_origin);
    return unknown_key(schema, o.key, command_line_origin, true);
  }
  auto v = convert_text(*spec, o.text, command_line_origin);
  if (!v)
    return v.error();
  values.set(o.key, std::move(*v), std::string{command_line_origin});
  return std::nullopt;
}

std::optional<config_error> check_all(const schema_base& schema, const settings& values) {
  for (const auto& spec : schema.keys()) {
    auto s = values.find(spec.key);
    if (s == nullptr)
      return config_error{spec.key, spec.key + ": no value"};
    if (auto err = check(spec, s->v, s->origin))
      return err;
  }
  for (const auto& rule : schema.rules())
    if (auto err = rule.check(values))
      return err;
  return std::nullopt;
}

std::string dump_header(const schema_base& schema) {
  return "Effective configuration of " + schema.program() +
         " (--dump-config).\nRead it back with: " + schema.program() + " --config FILE";
}

expected<loaded_settings, config_error> load_settings(const schema_base& schema,
                                                      const settings& defaults,
                                                      const std::vector<std::string>& args) {
  try {
    if (!schema.problems().empty())
      return unexpected{config_error{"", "internal error: the configuration schema of " +
                                             schema.program() +
                                             " is inconsistent: " + schema.problems().front()}};
    auto cl = parse_command_line(schema, args);
    if (!cl)
      return unexpected{cl.error()};
    loaded_settings out;
    out.values = defaults;
    out.action = cl->action;
    out.config_file = cl->config_file;
    if (cl->action == config_action::help) {
      out.text = render_usage(schema, defaults);
      return out;
    }
    if (!cl->config_file.empty()) {
      auto doc = parse_ini_file(cl->config_file);
      if (!doc)
        return unexpected{doc.error()};
      if (auto err = apply_ini(schema, *doc, out.values))
        return unexpected{*err};
    }
    for (const auto& o : cl->overrides)
      if (auto err = apply_override(schema, o, out.values))
        return unexpected{*err};
    if (auto err = check_all(schema, out.values))
      return unexpected{*err};
    if (cl->action == config_action::dump)
      out.text = render_ini(schema, out.values, defaults, dump_header(schema));
    // After the dump is rendered: it shows references, never what they name.
    if (auto err = resolve_secrets(schema, out.values))
      return unexpected{*err};
    if (cl->action == config_action::dump) {
      // rendered above
    } else if (cl->action == config_action::check) {
      out.text = schema.program() + ": configuration OK (" +
                 (cl->config_file.empty() ? std::string{"no --config file"} : cl->config_file) +
                 ", " + std::to_string(cl->overrides.size()) + " command-line override" +
                 (cl->overrides.size() == 1 ? "" : "s") + ")\n";
    }
    return out;
  } catch (const std::exception& e) {
    return unexpected{
        config_error{"", std::string{"internal error while configuring: "} + e.what()}};
  } catch (...) {
    return unexpected{config_error{"", "internal error while configuring"}};
  }
}

} // namespace shelfwire::config
