// cluster::decode_presence (runtime/cluster/presence.hpp): what every node
// reads from {presence.topic}/+ (any client allowed to publish there).

#include <string>

#include "runtime/cluster/presence.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shelfwire::cluster;
  std::string error;
  auto p = decode_presence(fuzz::as_text(data, size), &error);
  if (!p) {
    FUZZ_CHECK(!error.empty(), "a refused payload says why");
    return 0;
  }
  FUZZ_CHECK(!p->node.empty(), "a presence names its node");
  // Written back (canonical JSON): the same presence.
  auto again = decode_presence(encode_presence(*p), &error);
  FUZZ_CHECK(again, "an encoded presence decodes");
  FUZZ_CHECK(again->node == p->node && again->incarnation == p->incarnation &&
                 again->state == p->state && again->reason == p->reason &&
                 again->endpoint == p->endpoint && again->started_ms == p->started_ms &&
                 again->ts_ms == p->ts_ms,
             "an encoded presence decodes to the same presence");
  return 0;
}
