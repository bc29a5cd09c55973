#pragma once

// Running shelfwire-inspect from the inspect integration tests.

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/integration/cluster/cluster_support.hpp"
#include "tests/support/json.hpp"

namespace shelfwire::testing {

/// Runs shelfwire-inspect with `args`; its exit status and output.
inline exit_report inspect(cluster_env& env, std::vector<std::string> args) {
  static int n = 0;
  args.insert(args.begin(), build_binary("shelfwire-inspect"));
  return run_to_exit(env.dir, "inspect" + std::to_string(++n), std::move(args),
                     std::chrono::seconds{30});
}

/// The JSON document a view printed with `--json` (the run must succeed).
inline json_value inspect_json(cluster_env& env, std::vector<std::string> args) {
  args.insert(args.begin(), "--json");
  auto r = inspect(env, args);
  INFO("stderr: " << r.err << "\nstdout: " << r.out);
  REQUIRE(r.status == 0);
  std::string error;
  auto v = json_parser::parse(r.out, &error);
  INFO("JSON: " << error);
  REQUIRE(v);
  return *v;
}

} // namespace shelfwire::testing
