#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_error.hpp"
#include "config/schema.hpp"
#include "config/settings.hpp"
#include "runtime/core/expected.hpp"

namespace shelfwire::config {

/// Secrets (passwords, tokens, key passphrases) need not be written into a
/// config file: the value of a secret key may instead say where the secret is.
///
///   `$__file{/run/secrets/mqtt}`  the file's content, one trailing newline
///                                 dropped (at most 64 KiB)
///   `$__env{SHELFWIRE_MQTT_PASSWORD}`  an environment variable's value
///
/// (the convention of Grafana's configuration). Anything else is the secret
/// itself. --dump-config shows a reference as written and a literal secret as
/// `<set, hidden>`.
inline constexpr std::string_view secret_forms = "the secret itself, $__file{PATH} or $__env{NAME}";

/// Whether `text` is a `$__file{...}` or `$__env{...}` reference.
bool is_secret_reference(std::string_view text);

/// Reads an environment variable: nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
env_lookup process_env();

/// Resolves one value: a reference is replaced by what it names; anything
/// else is returned as is. The error names the file or variable and why.
expected<std::string, std::string> resolve_secret(std::string_view text, const env_lookup& env);

/// Replaces every secret key's reference in `values` by the secret. The
/// error names the key, the legal forms and the reason.
std::optional<config_error> resolve_secrets(const schema_base& schema, settings& values,
                                            const env_lookup& env = process_env());

} // namespace shelfwire::config
