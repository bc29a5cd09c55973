// gateway_of_topic: the gateway MAC in a topic a node receives on
// (`{prefix}/{gw}/response`, `.../status`), and the MQTT port's
// topic_matches, which filters every incoming message. The input is split
// at the first two NUL bytes: prefix, topic, filter.

#include <string>

#include "runtime/mqtt/client.hpp"
#include "runtime/wire/contract.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shelfwire;
  auto input = fuzz::as_text(data, size);
  auto cut = input.find('\0');
  auto prefix = input.substr(0, cut);
  auto rest = cut == std::string_view::npos ? std::string_view{} : input.substr(cut + 1);
  cut = rest.find('\0');
  auto topic = rest.substr(0, cut);
  auto filter = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);

  for (std::string_view kind : {"response", "status", "action"}) {
    auto gw = wire::gateway_of_topic(prefix, topic, kind);
    if (!gw)
      continue;
    // Exactly `{prefix}/{12 hex digits}/{kind}`.
    FUZZ_CHECK(topic.size() == prefix.size() + 1 + 12 + 1 + kind.size(), "topic length");
    FUZZ_CHECK(topic.substr(0, prefix.size()) == prefix, "topic prefix");
    auto mac = topic.substr(prefix.size() + 1, 12);
    FUZZ_CHECK(gw_mac::parse(mac) == gw, "MAC in the topic");
    // Our own topics for that gateway parse back to it.
    std::string ours = kind == "response" ? wire::response_topic(prefix, *gw)
                       : kind == "status" ? wire::status_topic(prefix, *gw)
                                          : wire::action_topic(prefix, *gw);
    FUZZ_CHECK(wire::gateway_of_topic(prefix, ours, kind) == gw, "own topic parses back");
  }

  const bool m = mqtt::topic_matches(filter, topic);
  if (m)
    FUZZ_CHECK(!topic.empty() && !filter.empty(), "an empty filter or topic matches nothing");
  // A filter without wildcards (and no shared-subscription prefix) matches only itself.
  if (filter.find_first_of("+#") == std::string_view::npos && filter.substr(0, 7) != "$share/")
    FUZZ_CHECK(m == (!topic.empty() && filter == topic), "a plain filter matches only itself");
  return 0;
}
