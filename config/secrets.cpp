#include "config/secrets.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shelfwire::config {

namespace {

constexpr std::string_view file_open = "$__file{";
constexpr std::string_view env_open = "$__env{";
constexpr size_t max_secret_file_bytes = 64 * 1024;

/// The text between `open` and a final '}', or nullopt.
std::optional<std::string_view> inside(std::string_view text, std::string_view open) {
  if (text.size() < open.size() + 1 || text.substr(0, open.size()) != open || text.back() != '}')
    return std::nullopt;
  return text.substr(open.size(), text.size() - open.size() - 1);
}

expected<std::string, std::string> read_secret_file(const std::string& path) {
  if (path.empty())
    return unexpected{std::string{"$__file{} names no file"}};
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return unexpected{"cannot read file '" + path + "': " + std::strerror(errno)};
  std::string data(max_secret_file_bytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > max_secret_file_bytes)
    return unexpected{"file '" + path + "' is larger than 64 KiB"};
  if (!data.empty() && data.back() == '\n')
    data.pop_back();
  if (!data.empty() && data.back() == '\r')
    data.pop_back();
  if (data.empty())
    return unexpected{"file '" + path + "' is empty"};
  return data;
}

} // namespace

bool is_secret_reference(std::string_view text) {
  return inside(text, file_open).has_value() || inside(text, env_open).has_value();
}

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str()))
      return std::string{v};
    return std::nullopt;
  };
}

expected<std::string, std::string> resolve_secret(std::string_view text, const env_lookup& env) {
  if (auto path = inside(text, file_open))
    return read_secret_file(std::string{*path});
  if (auto name = inside(text, env_open)) {
    if (name->empty())
      return unexpected{std::string{"$__env{} names no variable"}};
    auto v = env(std::string{*name});
    if (!v)
      return unexpected{"environment variable " + std::string{*name} + " is not set"};
    if (v->empty())
      return unexpected{"environment variable " + std::string{*name} + " is empty"};
    return *v;
  }
  return std::string{text};
}

std::optional<config_error> resolve_secrets(const schema_base& schema, settings& values,
                                            const env_lookup& env) {
  for (const auto& spec : schema.keys()) {
    if (!spec.secret)
      continue;
    auto s = values.find(spec.key);
    if (!s || !std::holds_alternative<std::string>(s->v))
      continue;
    const auto& text = std::get<std::string>(s->v);
    if (!is_secret_reference(text))
      continue;
    auto resolved = resolve_secret(text, env);
    if (!resolved)
      return config_error{spec.key, spec.key + ": expected " + std::string{secret_forms} + "; " +
                                        resolved.error() + " (" + s->origin + ")"};
    auto origin = s->origin + ", " + text;
    values.set(spec.key, value{std::move(*resolved)}, std::move(origin));
  }
  return std::nullopt;
}

} // namespace shelfwire::config
