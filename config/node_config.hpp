#pragma once

#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/loader.hpp"
#include "config/node_options.hpp"
#include "config/schema.hpp"
#include "runtime/core/expected.hpp"

namespace shelfwire::config {

/// The keys of a node (shelfwire-node), bound to node_options. Built once;
/// every key is listed in config/shelfwire.ini and docs/configuration.md.
const schema<node_options>& node_schema();

/// A configured node: options, plus what to do (`action`: run, or print
/// `text` and exit 0 for --dump-config / --check-config / --help).
using node_config = load_result<node_options>;
/// What a node should do once configured.
using node_action = config_action;

/// Configures a node from `main`'s arguments: defaults (node_options{}), then
/// the --config file, then `--section.key=value` overrides. A bad value,
/// unknown key or section, duplicate key or violated cross-key rule is an
/// error naming the key. Never throws. Does not resolve an empty node name
/// (see resolve_node_name).
expected<node_config, config_error> load_node_config(int argc, char** argv) noexcept;

/// Same, over the arguments without the program name.
expected<node_config, config_error> load_node_config(const std::vector<std::string>& args) noexcept;

/// `opts` as an INI file with doc comments (what --dump-config prints);
/// load_node_config reads it back to the same options.
std::string dump_node_config(const node_options& opts);

/// "<hostname>-<pid>", reduced to the characters and length a node name may have.
std::string default_node_name();

} // namespace shelfwire::config

namespace shelfwire {

/// Gives the node its final name: an empty `name` becomes
/// config::default_node_name(). Also sets `log.process_name` to the name, so
/// every log line names its node. Declared next to node_options so that an
/// unqualified call finds it; also available as config::resolve_node_name.
void resolve_node_name(node_options& opts);

namespace config {
using shelfwire::resolve_node_name;
} // namespace config

} // namespace shelfwire
