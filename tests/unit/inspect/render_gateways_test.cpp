// shelfwire-inspect's `gateways` view and the node view's GATEWAYS summary.

#include <catch2/catch.hpp>

#include "actors/inspect/cli/render.hpp"

using namespace shelfwire;
using namespace shelfwire::cli;

namespace {

gateway_report two_gateways() {
  gateway_report r;
  r.node = "a";
  r.endpoint = "127.0.0.1:4270";
  r.flow_control = true;
  r.window_min = 1;
  r.window_initial = 8;
  r.window_max = 64;
  r.breaker_silent_attempts = 2;
  r.breaker_cool_down_ms = 10'000;
  r.balance_margin_db = 6;
  r.balanced = 5;
  r.avoided_down = 7;
  r.waited = 3;
  r.rerouted = 1;
  r.trips = 1;
  r.recoveries = 0;
  r.busy = 4;
  r.silent = 2;
  gateway_row up;
  up.gw = gw_mac::from_u64(0x0B0000000001);
  up.state = "up";
  up.window = 12.5;
  up.in_flight = 3;
  up.waiting = 1;
  up.sent = 90;
  up.acks = 86;
  up.busy = 4;
  up.balanced_in = 5;
  gateway_row down;
  down.gw = gw_mac::from_u64(0x0B0000000002);
  down.state = "down";
  down.window = 1;
  down.silent_in_row = 2;
  down.down_for_ms = 8'400;
  down.sent = 10;
  down.acks = 8;
  down.silent = 2;
  down.breaker_trips = 1;
  r.rows = {up, down};
  return r;
}

} // namespace

TEST_CASE("inspect: gateways as a table, one row per gateway, with settings and totals") {
  auto text = render_gateways({two_gateways()}, output_format::table);
  CHECK(text.find("node a at 127.0.0.1:4270: flow control on (window 1..64, initial 8), breaker "
                  "after 2 silent attempts in a row, cool-down 10.0s, balance margin 6 dB\n") == 0);
  CHECK(text.find("totals: balanced 5, avoided down 7, waited 3, rerouted 1, trips 1, recoveries "
                  "0, busy 4, silent 2\n") != std::string::npos);
  CHECK(text.find("GATEWAY       STATE  WINDOW  IN FLIGHT  WAITING  SENT  ACKS  BUSY  SILENT  "
                  "BALANCED IN  TRIPS  DOWN FOR\n") != std::string::npos);
  CHECK(text.find("0B0000000001  up     12.5    3          1        90    86    4     0       "
                  "5            0      -\n") != std::string::npos);
  CHECK(text.find("0B0000000002  down   1.0     0          0        10    8     0     2       "
                  "0            1      8.4s\n") != std::string::npos);
}

TEST_CASE("inspect: gateways filtered by state, none yet, breaker and flow control off") {
  auto r = two_gateways();
  auto down = render_gateways({r}, output_format::table, "down");
  CHECK(down.find("0B0000000002  down") != std::string::npos);
  CHECK(down.find("0B0000000001") == std::string::npos);
  CHECK(down.find("1 of 2 gateways down\n") != std::string::npos);
  CHECK(render_gateways({r}, output_format::table, "probing")
            .find("no gateway is probing (2 known)") != std::string::npos);
  r.rows.clear();
  r.flow_control = false;
  r.breaker_silent_attempts = 0;
  auto none = render_gateways({r}, output_format::table);
  CHECK(none.find("flow control off") != std::string::npos);
  CHECK(none.find("breaker off") != std::string::npos);
  CHECK(none.find("no gateway has been sent to yet") != std::string::npos);
}

TEST_CASE("inspect: gateways as JSON, one node or several") {
  auto r = two_gateways();
  auto json = render_gateways({r}, output_format::json);
  CHECK(json.find("{\"node\":\"a\",\"endpoint\":\"127.0.0.1:4270\",\"settings\":{\"flow_control\":"
                  "true,\"window_min\":1,\"window_initial\":8,\"window_max\":64,"
                  "\"breaker_silent_attempts\":2,\"breaker_cool_down_ms\":10000,"
                  "\"balance_margin_db\":6},\"totals\":{\"balanced\":5,\"avoided_down\":7,"
                  "\"waited\":3,\"rerouted\":1,\"trips\":1,\"recoveries\":0,\"busy\":4,\"silent\":"
                  "2},\"gateways\":[{\"gateway\":\"0B0000000001\",\"state\":\"up\",\"window\":12.5,"
                  "\"in_flight\":3,\"waiting\":1,\"silent_in_row\":0,\"down_for_ms\":0,\"sent\":90,"
                  "\"acks\":86,\"busy\":4,\"nacks\":0,\"silent\":0,\"waited\":0,\"balanced_in\":5,"
                  "\"breaker_trips\":0},") == 0);
  CHECK(json.find("{\"gateway\":\"0B0000000002\",\"state\":\"down\",\"window\":1,") !=
        std::string::npos);
  CHECK(json.back() == '\n');
  auto filtered = render_gateways({r}, output_format::json, "up");
  CHECK(filtered.find("0B0000000002") == std::string::npos);
  auto b = r;
  b.node = "b";
  auto both = render_gateways({r, b}, output_format::json);
  CHECK(both.find("{\"nodes\":[{\"node\":\"a\",") == 0);
  CHECK(both.find("},{\"node\":\"b\",") != std::string::npos);
  auto tables = render_gateways({r, b}, output_format::table);
  CHECK(tables.find("node a at") == 0);
  CHECK(tables.find("\nnode b at") != std::string::npos);
}

TEST_CASE("inspect: the node view's GATEWAYS summary") {
  auto g = two_gateways();
  auto s = summarize(g);
  CHECK(s.known == 2);
  CHECK(s.down == 1);
  CHECK(s.probing == 0);
  CHECK(s.waiting == 1);
  CHECK(s.in_flight == 3);
  CHECK(s.sent == 100);
  CHECK(s.balanced == 5);
  node_report r;
  r.name = "a";
  auto text = render_node(r, 0, output_format::table, false, &g);
  CHECK(text.find("GATEWAYS                             COUNT\n") != std::string::npos);
  CHECK(text.find("known (sent to)                      2\n") != std::string::npos);
  CHECK(text.find("down (breaker open)                  1\n") != std::string::npos);
  CHECK(text.find("attempts waiting for a window        1\n") != std::string::npos);
  CHECK(text.find("balanced by load (routing.balanced)  5 (5.0% of 100 sent)\n") !=
        std::string::npos);
  CHECK(render_node(r, 0, output_format::table).find("GATEWAYS") == std::string::npos);
  auto json = render_node(r, 0, output_format::json, false, &g);
  CHECK(json.find("\"gateways\":{\"known\":2,\"down\":1,\"probing\":0,\"waiting\":1,\"in_flight\":"
                  "3,\"sent\":100,\"balanced\":5,\"balanced_share\":0.05}") != std::string::npos);
  g.rows.clear();
  CHECK(render_node(r, 0, output_format::json, false, &g).find("\"balanced_share\":null") !=
        std::string::npos);
}
