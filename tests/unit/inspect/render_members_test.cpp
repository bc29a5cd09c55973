// shelfwire-inspect's `members` view with node presence: each member's
// presence, then the nodes known only by theirs (a killed node: offline, lost).

#include <catch2/catch.hpp>

#include "actors/inspect/cli/render.hpp"
#include "runtime/core/json_reader.hpp"

using namespace shelfwire;
using namespace shelfwire::cli;

namespace {

member_row member(std::string name, std::string state, uint16_t port) {
  member_row m;
  m.name = std::move(name);
  m.incarnation = 0xa1;
  m.host = "127.0.0.1";
  m.port = port;
  m.state = std::move(state);
  m.up_since_ms = 1'000;
  return m;
}

presence_row presence(std::string name, std::string state, std::string reason, int64_t since) {
  presence_row p;
  p.name = std::move(name);
  p.incarnation = 0xb2;
  p.state = std::move(state);
  p.reason = std::move(reason);
  p.endpoint = "127.0.0.1:4272";
  p.since_ms = since;
  p.started_ms = 500;
  return p;
}

} // namespace

TEST_CASE("inspect: presence for people", "[inspect][presence]") {
  CHECK(presence_text(presence("a", "online", "", 1'000), 4'000) == "online for 3.0s");
  CHECK(presence_text(presence("a", "offline", "lost", 1'000), 13'000) ==
        "offline (lost) for 12.0s");
  CHECK(presence_text(presence("a", "offline", "lost", 0), 13'000) == "offline (lost)");
}

TEST_CASE("inspect: members with their presence, then the nodes known only by it",
          "[inspect][presence]") {
  std::vector<member_row> rows{member("a", "self", 4270), member("b", "up", 4271)};
  std::vector<presence_row> pres{presence("a", "online", "", 2'000),
                                 presence("c", "offline", "lost", 9'000)};
  auto text = render_members(rows, pres, 10'000, output_format::table);
  INFO(text);
  CHECK(text.find("PRESENCE") != std::string::npos);
  CHECK(text.find("online for 8.0s") != std::string::npos);
  // b: a member whose presence is not known.
  CHECK(text.find("b     127.0.0.1:4271  up     9.0s    -           -  ") != std::string::npos);
  CHECK(text.find("c     127.0.0.1:4272  -      -       -           offline (lost) for 1.0s") !=
        std::string::npos);

  auto json = json_parser::parse(render_members(rows, pres, 10'000, output_format::json));
  REQUIRE(json);
  auto& members = (*json)["members"].array;
  REQUIRE(members.size() == 2); // only members: tools iterate over them
  CHECK(members[0]["presence"]["state"].text == "online");
  CHECK(members[0]["presence"]["since_ms"].integer() == 2'000);
  CHECK(members[1]["presence"].is_null());
  auto& others = (*json)["others"].array;
  REQUIRE(others.size() == 1);
  CHECK(others[0]["name"].text == "c");
  CHECK(others[0]["presence"]["state"].text == "offline");
  CHECK(others[0]["presence"]["reason"].text == "lost");
  CHECK(others[0]["presence"]["endpoint"].text == "127.0.0.1:4272");
  CHECK(others[0]["presence"]["incarnation"].text == "00000000000000b2");

  // Without presence (presence.topic empty): the members, an empty list of others.
  auto plain = json_parser::parse(render_members(rows, 10'000, output_format::json));
  REQUIRE(plain);
  CHECK((*plain)["others"].array.empty());
}
