// Node presence as pure logic (runtime/cluster/presence): the payloads a
// node publishes (online, its will, stopped), reading them back, the topic
// helpers and the book a subscriber keeps.

#include <catch2/catch.hpp>

#include <string>

#include "runtime/cluster/presence.hpp"

using namespace shelfwire::cluster;

namespace {

presence_identity node_a() {
  return {"a", 0x00c0ffee12345678ull, "127.0.0.1:4270", 1'700'000'000'000};
}

} // namespace

TEST_CASE("presence: what a node publishes, byte for byte", "[cluster][presence]") {
  auto id = node_a();
  CHECK(encode_presence(online_presence(id, 1'700'000'000'500)) ==
        R"({"v":1,"node":"a","incarnation":"00c0ffee12345678","state":"online",)"
        R"("endpoint":"127.0.0.1:4270","started_ms":1700000000000,"ts_ms":1700000000500})");
  // The will is written at connect and published by the broker later: no ts_ms.
  CHECK(encode_presence(lost_presence(id)) ==
        R"({"v":1,"node":"a","incarnation":"00c0ffee12345678","state":"offline",)"
        R"("reason":"lost","endpoint":"127.0.0.1:4270","started_ms":1700000000000})");
  CHECK(encode_presence(stopped_presence(id, 1'700'000'009'000)) ==
        R"({"v":1,"node":"a","incarnation":"00c0ffee12345678","state":"offline",)"
        R"("reason":"stopped","endpoint":"127.0.0.1:4270","started_ms":1700000000000,)"
        R"("ts_ms":1700000009000})");
}

TEST_CASE("presence: payloads read back as written", "[cluster][presence]") {
  auto id = node_a();
  for (auto& p : {online_presence(id, 5), lost_presence(id), stopped_presence(id, 9)}) {
    auto back = decode_presence(encode_presence(p));
    REQUIRE(back);
    CHECK(back->node == p.node);
    CHECK(back->incarnation == p.incarnation);
    CHECK(back->state == p.state);
    CHECK(back->reason == p.reason);
    CHECK(back->endpoint == p.endpoint);
    CHECK(back->started_ms == p.started_ms);
    CHECK(back->ts_ms == p.ts_ms);
  }
  // Names with characters JSON escapes survive.
  presence_identity odd{"n\"1\\x", 1, "h:1", 0};
  auto back = decode_presence(encode_presence(online_presence(odd, 1)));
  REQUIRE(back);
  CHECK(back->node == odd.node);
}

TEST_CASE("presence: lenient with what it does not know, strict with what it needs",
          "[cluster][presence]") {
  auto ok = decode_presence(
      R"({"node":"b","incarnation":42,"state":"offline","reason":"lost","extra":{"x":[1]}})");
  REQUIRE(ok);
  CHECK(ok->incarnation == 42); // a JSON number is taken too
  CHECK_FALSE(ok->online());
  CHECK(ok->reason == "lost");
  CHECK(ok->endpoint.empty());
  CHECK(ok->ts_ms == 0);

  std::string why;
  auto bad = [&](const char* payload) {
    why.clear();
    return !decode_presence(payload, &why) && !why.empty();
  };
  CHECK(bad(""));
  CHECK(bad("not json"));
  CHECK(bad("[1]"));
  CHECK(bad(R"({"v":2,"node":"a","incarnation":"1","state":"online"})"));
  CHECK(why.find("version 2") != std::string::npos);
  CHECK(bad(R"({"incarnation":"1","state":"online"})"));
  CHECK(bad(R"({"node":"","incarnation":"1","state":"online"})"));
  CHECK(bad(R"({"node":"a","state":"online"})"));
  CHECK(bad(R"({"node":"a","incarnation":"xyz","state":"online"})"));
  CHECK(bad(R"({"node":"a","incarnation":"00112233445566778","state":"online"})"));
  CHECK(bad(R"({"node":"a","incarnation":-1,"state":"online"})"));
  CHECK(bad(R"({"node":"a","incarnation":"1","state":"away"})"));
  CHECK(bad(R"({"node":"a","incarnation":"1"})"));
  CHECK(bad(std::string(5000, ' ').c_str()));
  // Fields are bounded, so what is written back (escaped) fits a payload: a
  // fuzzing finding (a 3,000-byte reason of control characters read, then
  // written back at 6 bytes each, was refused as too large).
  auto with = [](std::string node, std::string reason, std::string endpoint) {
    return R"({"node":")" + node + R"(","incarnation":"1","state":"offline","reason":")" + reason +
           R"(","endpoint":")" + endpoint + "\"}";
  };
  CHECK(decode_presence(with(std::string(128, 'n'), std::string(64, 'r'), std::string(300, 'e'))));
  CHECK(bad(with(std::string(129, 'n'), "lost", "h:1").c_str()));
  CHECK(bad(with("a", std::string(65, 'r'), "h:1").c_str()));
  CHECK(bad(with("a", "lost", std::string(301, 'e')).c_str()));
  auto worst = decode_presence(with(std::string(128, 'n'), std::string(32, '\x01'), "h:1"));
  CHECK_FALSE(worst); // raw control characters are not JSON
  auto escaped = decode_presence(with(
      "a",
      [] {
        std::string r;
        for (int i = 0; i < 64; ++i)
          r += "\\b";
        return r;
      }(),
      std::string(300, 'e')));
  REQUIRE(escaped);
  CHECK(decode_presence(encode_presence(*escaped)));
}

TEST_CASE("presence: topics", "[cluster][presence]") {
  CHECK(presence_topic("shelfwire/nodes", "a") == "shelfwire/nodes/a");
  CHECK(node_of_presence_topic("shelfwire/nodes", "shelfwire/nodes/a") == "a");
  CHECK(node_of_presence_topic("shelfwire/nodes", "shelfwire/nodes/").empty());
  CHECK(node_of_presence_topic("shelfwire/nodes", "shelfwire/nodes").empty());
  CHECK(node_of_presence_topic("shelfwire/nodes", "shelfwire/nodesX/a").empty());
  CHECK(node_of_presence_topic("shelfwire/nodes", "shelfwire/nodes/a/b").empty());
  CHECK(node_of_presence_topic("shelfwire/nodes", "other/a").empty());
}

TEST_CASE("presence book: since when a node is in its state", "[cluster][presence]") {
  presence_book book;
  auto id = node_a();
  using change = presence_book::change;
  // Seen at subscribe (retained): the node's own time stamp.
  CHECK(book.apply("a", encode_presence(online_presence(id, 1'000)), true, 50'000) ==
        change::changed);
  REQUIRE(book.find("a"));
  CHECK(book.find("a")->since_ms == 1'000);
  CHECK(book.find("a")->retained);
  // Announced again (a reconnect): still online since then.
  CHECK(book.apply("a", encode_presence(online_presence(id, 60'000)), false, 60'000) ==
        change::same);
  CHECK(book.find("a")->since_ms == 1'000);
  CHECK_FALSE(book.find("a")->retained);
  CHECK(book.find("a")->p.ts_ms == 60'000);
  // Its will, live: offline (lost) since we heard it.
  CHECK(book.apply("a", encode_presence(lost_presence(id)), false, 70'000) == change::changed);
  CHECK(book.find("a")->since_ms == 70'000);
  CHECK(book.find("a")->p.reason == "lost");
  // A will found retained: since unknown.
  presence_book later;
  later.apply("a", encode_presence(lost_presence(id)), true, 80'000);
  CHECK(later.find("a")->since_ms == 0);
  // A new incarnation under the same name: online from now on.
  auto id2 = id;
  id2.incarnation = 7;
  CHECK(book.apply("a", encode_presence(online_presence(id2, 90'000)), false, 90'100) ==
        change::changed);
  CHECK(book.find("a")->since_ms == 90'100);
  CHECK(book.find("a")->p.incarnation == 7);
  // Cleared on the broker: forgotten.
  CHECK(book.apply("a", "", false, 95'000) == change::removed);
  CHECK(book.find("a") == nullptr);
  CHECK(book.apply("a", "", false, 95'000) == change::same);
}

TEST_CASE("presence book: ignores what is not presence of the topic's node",
          "[cluster][presence]") {
  presence_book book;
  std::string why;
  CHECK(book.apply("a", "garbage", false, 1, &why) == presence_book::change::ignored);
  CHECK_FALSE(why.empty());
  CHECK(book.apply("b", encode_presence(online_presence(node_a(), 1)), false, 1, &why) ==
        presence_book::change::ignored);
  CHECK(why.find("'a' on the topic of 'b'") != std::string::npos);
  CHECK(book.size() == 0);
}

TEST_CASE("presence book: bounded, the offline node heard of longest ago goes first",
          "[cluster][presence]") {
  presence_book book{3};
  auto at = [](std::string name, bool online) {
    presence_identity id{std::move(name), 1, "h:1", 0};
    return encode_presence(online ? online_presence(id, 1) : stopped_presence(id, 1));
  };
  book.apply("old-offline", at("old-offline", false), true, 10);
  book.apply("online", at("online", true), true, 5);
  book.apply("new-offline", at("new-offline", false), true, 20);
  book.apply("newest", at("newest", true), false, 30);
  CHECK(book.size() == 3);
  CHECK(book.find("old-offline") == nullptr);
  CHECK(book.find("online") != nullptr); // older, but online
  book.apply("another", at("another", true), false, 40);
  CHECK(book.find("new-offline") == nullptr);
  book.apply("third", at("third", true), false, 50);
  CHECK(book.size() == 3);
  CHECK(book.find("online") == nullptr); // all online now: the one heard of longest ago
}
