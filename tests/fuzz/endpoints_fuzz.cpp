// cluster::parse_endpoints (runtime/cluster/ownership.hpp): `cluster.seeds`
// from the configuration and shelfwire-inspect's endpoint argument.

#include <string>

#include "runtime/cluster/ownership.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shelfwire;
  auto eps = cluster::parse_endpoints(fuzz::as_text(data, size));
  if (!eps)
    return 0;
  // Written back (endpoint::to_string, joined by commas): the same endpoints.
  std::string again;
  for (const auto& ep : *eps) {
    FUZZ_CHECK(!ep.host.empty() && ep.port != 0, "an endpoint has a host and a port");
    FUZZ_CHECK(ep.host.find_first_of("[]") == std::string::npos, "no brackets inside a host");
    if (!again.empty())
      again += ',';
    again += ep.to_string();
  }
  auto back = cluster::parse_endpoints(again);
  FUZZ_CHECK(back && back->size() == eps->size(), "written endpoints parse back");
  for (size_t i = 0; i < eps->size(); ++i)
    FUZZ_CHECK((*back)[i].host == (*eps)[i].host && (*back)[i].port == (*eps)[i].port,
               "written endpoints parse back the same");
  return 0;
}
