#pragma once

#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/ini.hpp"
#include "config/render.hpp"
#include "config/schema.hpp"
#include "config/settings.hpp"
#include "runtime/core/expected.hpp"

namespace shelfwire::config {

/// What the program should do once configured.
enum class config_action {
  run,   ///< start normally
  dump,  ///< --dump-config: print `text` (the effective INI), exit 0
  check, ///< --check-config: print `text` (a one-line OK), exit 0
  help,  ///< --help / -h: print `text` (usage and keys), exit 0
};

/// `--section.key=value` from the command line, value taken literally.
struct cli_override {
  std::string key;
  std::string text;
};

/// The command line, sorted out but not yet applied.
struct command_line {
  config_action action = config_action::run;
  /// From `--config FILE` / `--config=FILE`; empty when not given.
  std::string config_file;
  /// In command-line order; a key given twice: the last wins.
  std::vector<cli_override> overrides;
};

/// Splits the arguments (without the program name). Accepts `--config FILE`,
/// `--config=FILE`, `--section.key=value`, `--dump-config`, `--check-config`,
/// `--help`, `-h`; anything else is an error (with a suggestion for typos).
/// `--help` anywhere wins over everything else.
expected<command_line, config_error> parse_command_line(const schema_base& schema,
                                                        const std::vector<std::string>& args);

/// Applies a parsed INI document to `values`: unknown sections and keys are
/// errors with a "did you mean" suggestion, each value is converted and
/// checked. Stops at the first error in file order.
std::optional<config_error> apply_ini(const schema_base& schema, const ini_document& doc,
                                      settings& values);

/// Applies one command-line override (origin "command line").
std::optional<config_error> apply_override(const schema_base& schema, const cli_override& o,
                                           settings& values);

/// Checks every key's final value (a bad default is reported with origin
/// "default") and then the cross-key rules.
std::optional<config_error> check_all(const schema_base& schema, const settings& values);

/// The outcome of load_settings.
struct loaded_settings {
  settings values;
  config_action action = config_action::run;
  /// What to print for dump / check / help; empty for run.
  std::string text;
  std::string config_file;
};

/// The generic loader: defaults, then the --config file, then the command
/// line overrides; validated; plus the action asked for. `args` excludes the
/// program name. Never throws.
expected<loaded_settings, config_error> load_settings(const schema_base& schema,
                                                      const settings& defaults,
                                                      const std::vector<std::string>& args);

/// Header of --dump-config output.
std::string dump_header(const schema_base& schema);

/// What load() returns: the options plus what to do with them.
template <class T>
struct load_result {
  T options;
  config_action action = config_action::run;
  /// Print this (to stdout) and exit 0 when `action` is not run.
  std::string text;
  /// The --config file, empty when none.
  std::string config_file;
};

/// Loads options of type T: starts from `base` (its field values are the
/// defaults), applies the --config file and then the command line, validates
/// everything. Never throws: failures, including internal ones, are values.
template <class T>
expected<load_result<T>, config_error>
load(const schema<T>& schema, const std::vector<std::string>& args, const T& base = T{}) noexcept {
  try {
    auto loaded = load_settings(schema, schema.read(base), args);
    if (!loaded)
      return unexpected{loaded.error()};
    load_result<T> out{base, loaded->action, std::move(loaded->text), loaded->config_file};
    schema.write(loaded->values, out.options);
    return out;
  } catch (const std::exception& e) {
    return unexpected{
        config_error{"", std::string{"internal error while configuring: "} + e.what()}};
  } catch (...) {
    return unexpected{config_error{"", "internal error while configuring"}};
  }
}

/// load() for a program's main: returns the options when the program should
/// run. Otherwise it has printed what to print and set `exit_code`: 2 after
/// "{program}: {error}" on stderr, 0 after the text of --help,
/// --dump-config or --check-config on stdout.
template <class T>
std::optional<T> load_for_main(const schema<T>& schema, const std::vector<std::string>& args,
                               std::string_view program, int& exit_code, const T& base = T{}) {
  auto loaded = load(schema, args, base);
  if (!loaded) {
    std::cerr << program << ": " << loaded.error().message << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  if (loaded->action != config_action::run) {
    std::cout << loaded->text;
    exit_code = 0;
    return std::nullopt;
  }
  return std::move(loaded->options);
}

/// Renders options of type T as INI (what --dump-config prints); the
/// comments give each key's default as found in `defaults`.
template <class T>
std::string dump(const schema<T>& schema, const T& options, const T& defaults = T{}) {
  return render_ini(schema, schema.read(options), schema.read(defaults), dump_header(schema));
}

} // namespace shelfwire::config
