#include <catch2/catch.hpp>

#include "runtime/mqtt/client.hpp"
#include "runtime/mqtt/tcp_nodelay.hpp"

using shelfwire::mqtt::topic_matches;

TEST_CASE("topic_matches: exact topics") {
  CHECK(topic_matches("a/b/c", "a/b/c"));
  CHECK_FALSE(topic_matches("a/b/c", "a/b"));
  CHECK_FALSE(topic_matches("a/b", "a/b/c"));
  CHECK_FALSE(topic_matches("a/b/c", "a/b/cd"));
  CHECK(topic_matches("/gw/AABBCCDDEEFF/response", "/gw/AABBCCDDEEFF/response"));
  CHECK_FALSE(topic_matches("gw/x", "/gw/x")); // a leading '/' is an empty first level
  CHECK_FALSE(topic_matches("A/b", "a/b"));    // case-sensitive
}

TEST_CASE("topic_matches: single-level wildcard +") {
  CHECK(topic_matches("a/+/c", "a/b/c"));
  CHECK(topic_matches("/gw/+/response", "/gw/AABBCCDDEEFF/response"));
  CHECK_FALSE(topic_matches("/gw/+/response", "/gw/AABBCCDDEEFF/status"));
  CHECK_FALSE(topic_matches("a/+/c", "a/b/x/c")); // + is exactly one level
  CHECK_FALSE(topic_matches("a/+", "a"));
  CHECK(topic_matches("a/+", "a/")); // an empty level is a level
  CHECK(topic_matches("+/b", "/b")); // empty first level
  CHECK(topic_matches("+", "a"));
  CHECK_FALSE(topic_matches("+", "a/b"));
  CHECK(topic_matches("+/+", "/"));
  CHECK(topic_matches("+/+/+", "a/b/c"));
}

TEST_CASE("topic_matches: multi-level wildcard #") {
  CHECK(topic_matches("#", "a"));
  CHECK(topic_matches("#", "a/b/c"));
  CHECK(topic_matches("#", "/a"));
  CHECK(topic_matches("a/#", "a/b"));
  CHECK(topic_matches("a/#", "a/b/c/d"));
  CHECK(topic_matches("a/#", "a")); // # also matches the parent level
  CHECK(topic_matches("a/#", "a/"));
  CHECK_FALSE(topic_matches("a/#", "ab"));
  CHECK_FALSE(topic_matches("a/#", "b/a"));
  CHECK(topic_matches("a/+/#", "a/b"));
  CHECK(topic_matches("a/+/#", "a/b/c/d"));
  CHECK_FALSE(topic_matches("a/+/#", "a"));
  CHECK_FALSE(topic_matches("a/#/c", "a/b/c")); // malformed: # not last
}

TEST_CASE("topic_matches: $ topics are not matched by leading wildcards") {
  CHECK_FALSE(topic_matches("#", "$SYS/broker/load"));
  CHECK_FALSE(topic_matches("+/broker/load", "$SYS/broker/load"));
  CHECK(topic_matches("$SYS/#", "$SYS/broker/load"));
  CHECK(topic_matches("$SYS/+/load", "$SYS/broker/load"));
}

TEST_CASE("topic_matches: shared subscriptions ignore $share/<group>/") {
  CHECK(topic_matches("$share/g/a/+/c", "a/b/c"));
  CHECK(topic_matches("$share/router-bck-group//gw/+/response", "/gw/AABBCCDDEEFF/response"));
  CHECK_FALSE(topic_matches("$share/router-bck-group//gw/+/response", "/gw/AABBCCDDEEFF/status"));
  CHECK(topic_matches("$share/g/#", "x/y"));
  CHECK_FALSE(topic_matches("$share/g/a", "g/a")); // the group is not a topic level
  CHECK_FALSE(topic_matches("$share/g", "g"));     // no filter after the group
  CHECK_FALSE(topic_matches("$share//a", "a"));    // empty group
  CHECK_FALSE(topic_matches("$share/g/", "x"));    // empty filter
  // Only the $share prefix is stripped: "$shared" is an ordinary first level.
  CHECK(topic_matches("$shared/a", "$shared/a"));
  CHECK_FALSE(topic_matches("$shared/g/a", "a"));
}

TEST_CASE("topic_matches: empty inputs") {
  CHECK_FALSE(topic_matches("", "a"));
  CHECK_FALSE(topic_matches("a", ""));
  CHECK_FALSE(topic_matches("#", ""));
  CHECK_FALSE(topic_matches("", ""));
}

TEST_CASE("broker URL parsing for the TCP_NODELAY scan") {
  using shelfwire::mqtt::detail::parse_broker_url;
  auto u = parse_broker_url("tcp://127.0.0.1:1884");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 1884);
  u = parse_broker_url("mqtt://broker.local");
  REQUIRE(u);
  CHECK(u->host == "broker.local");
  CHECK(u->port == 1883);
  u = parse_broker_url("tcp://[::1]:1999");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 1999);
  CHECK_FALSE(u->tls);
  u = parse_broker_url("ssl://host:18883");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->host == "host");
  CHECK(u->port == 18883);
  u = parse_broker_url("mqtts://[::1]");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->port == 8883);
  CHECK_FALSE(parse_broker_url("tls://host:8883"));
  CHECK_FALSE(parse_broker_url("ssl://"));
  CHECK_FALSE(parse_broker_url("tcp://"));
  CHECK_FALSE(parse_broker_url("tcp://:1883"));
  CHECK_FALSE(parse_broker_url("tcp://host:"));
  CHECK_FALSE(parse_broker_url("tcp://host:0"));
  CHECK_FALSE(parse_broker_url("tcp://host:65536"));
  CHECK_FALSE(parse_broker_url("tcp://host:12a"));
  CHECK_FALSE(parse_broker_url("tcp://::1:1883"));
  CHECK_FALSE(parse_broker_url("tcp://host:1883/path"));
  CHECK_FALSE(parse_broker_url("127.0.0.1:1883"));
}
