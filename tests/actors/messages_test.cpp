// Every type of the shelfwire type-ID block survives CAF's binary
// serialization inside a message, the way it crosses between nodes: an
// unregistered type would travel as an empty message, a field written and
// read in different orders would come back changed. A new type without a
// sample here does not link. (A field left out of inspect() altogether is
// missing on both sides of the comparison: review inspect() with the struct.)

#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include "tests/actors/actor_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

/// A value of `T` with every field set to something other than its default.
template <class T>
T sample(caf::actor_system& sys);

const esl_mac esl = esl_mac::from_u64(0x0A1B2C3D4E5F);
const gw_mac gw = gw_mac::from_u64(0xF1E2D3C4B5A6);

template <>
esl_mac sample<esl_mac>(caf::actor_system&) {
  return esl;
}
template <>
gw_mac sample<gw_mac>(caf::actor_system&) {
  return gw;
}
template <>
command_spec sample<command_spec>(caf::actor_system&) {
  return {esl, wire::op_kind::image, {{"url", "http://x/y.png"}, {"page", "2"}}};
}
template <>
command_outcome sample<command_outcome>(caf::actor_system&) {
  command_outcome o;
  o.status = outcome_status::nacked;
  o.code = 3;
  o.has_gw = true;
  o.gw = gw;
  o.attempts = 4;
  o.reason = "gateway_nack";
  o.backbone_us = 12345;
  return o;
}
template <>
command_report sample<command_report>(caf::actor_system& sys) {
  return {esl, sample<command_outcome>(sys), 777};
}
template <>
outcome_entry sample<outcome_entry>(caf::actor_system& sys) {
  return {4711, sample<command_report>(sys)};
}
template <>
std::vector<outcome_entry> sample<std::vector<outcome_entry>>(caf::actor_system& sys) {
  return {sample<outcome_entry>(sys), {0, {}}};
}
template <>
std::vector<uint32_t> sample<std::vector<uint32_t>>(caf::actor_system&) {
  return {0, 7, 4'000'000'000u};
}
template <>
std::vector<std::string> sample<std::vector<std::string>>(caf::actor_system&) {
  return {"job-1", "job-2"};
}
template <>
dispatch_request sample<dispatch_request>(caf::actor_system& sys) {
  dispatch_request r;
  r.command_id = (uint64_t{3} << 48) | 99;
  r.seq = 5;
  r.attempt = 2;
  r.cmd = sample<command_spec>(sys);
  r.tried = {gw, gw_mac::from_u64(7)};
  r.allow_repeat = true;
  r.ttl_ms = 5000;
  return r;
}
template <>
dispatch_result sample<dispatch_result>(caf::actor_system&) {
  dispatch_result r;
  r.seq = 9;
  r.what = dispatch_result::kind::no_route;
  r.gw = gw;
  r.rssi = -71;
  r.candidates = 3;
  return r;
}
template <>
route_answer sample<route_answer>(caf::actor_system&) {
  route_answer a;
  a.ok = true;
  a.route.esl = esl;
  a.route.candidates = {{gw, -60, 1500}, {gw_mac::from_u64(2), -75, 20}};
  return a;
}
template <>
gateway_reply sample<gateway_reply>(caf::actor_system&) {
  gateway_reply r;
  r.command_id = 42;
  r.attempt = 3;
  r.esl = esl;
  r.gw = gw;
  r.ack = true;
  r.code = 2;
  r.forwarded_us = 1'000'000;
  r.hops = 1;
  return r;
}
template <>
mqtt_inbound sample<mqtt_inbound>(caf::actor_system&) {
  return {"/gw/F1E2D3C4B5A6/response", std::string{"\x81\xa2id\xc4\x01\x00", 8}};
}
template <>
timer_request sample<timer_request>(caf::actor_system&) {
  timer_request t;
  t.command_id = 11;
  t.kind = 2;
  t.seq = 6;
  t.due_us = 99'999;
  t.attempts = 2;
  t.has_gw = true;
  t.gw = gw;
  return t;
}
template <>
member_info sample<member_info>(caf::actor_system& sys) {
  member_info m;
  m.name = "node-b";
  m.incarnation = 0xDEADBEEF;
  m.token_key = {0x5EC12E7, 0xC0FFEE};
  m.host = "10.0.0.2";
  m.port = 4270;
  m.up_since_ms = 1'700'000'000'000;
  m.leaving = true;
  auto dummy =
      sys.spawn([](caf::event_based_actor*, int) -> caf::behavior { return {[](int32_t) {}}; }, 0);
  m.manager = dummy;
  m.shards = {dummy, dummy};
  m.intake = dummy;
  caf::anon_send_exit(dummy, caf::exit_reason::user_shutdown);
  return m;
}
template <>
member_list sample<member_list>(caf::actor_system& sys) {
  return {{sample<member_info>(sys), sample<member_info>(sys)}};
}
template <>
named_value sample<named_value>(caf::actor_system&) {
  return {"commands.accepted", 123};
}
template <>
member_row sample<member_row>(caf::actor_system&) {
  return {"node-b", 7, "10.0.0.2", 4270, "up", 1'700'000'000'000, 350};
}
template <>
std::vector<member_row> sample<std::vector<member_row>>(caf::actor_system& sys) {
  return {sample<member_row>(sys), sample<member_row>(sys)};
}
template <>
std::vector<named_value> sample<std::vector<named_value>>(caf::actor_system& sys) {
  return {sample<named_value>(sys), {"x", -1}};
}
template <>
router_row sample<router_row>(caf::actor_system&) {
  return {3, 17, 9000, true};
}
template <>
link_row sample<link_row>(caf::actor_system& sys) {
  return {"mqtt.egress", true, sample<std::vector<named_value>>(sys)};
}
template <>
latency_row sample<latency_row>(caf::actor_system&) {
  return {"latency.backbone_us", 10, 200, 150, 300, 900, 1200};
}
template <>
node_report sample<node_report>(caf::actor_system& sys) {
  node_report r;
  r.name = "node-a";
  r.incarnation = 5;
  r.endpoint = "127.0.0.1:4270";
  r.up_since_ms = 1'700'000'000'000;
  r.running_actors = 40;
  r.actors = sample<std::vector<named_value>>(sys);
  r.command_states = {{"queued", 2}};
  r.routers = {sample<router_row>(sys)};
  r.links = {sample<link_row>(sys)};
  r.mqtt_messages_per_s = 4000;
  r.outcomes = {{"acked", 10}};
  r.latencies = {sample<latency_row>(sys)};
  r.counters = {{"replies.late", 1}};
  return r;
}
template <>
command_query sample<command_query>(caf::actor_system&) {
  return {true, esl, "awaiting_reply", 7};
}
template <>
command_row sample<command_row>(caf::actor_system&) {
  return {99, esl, "price", "high", "queued", 1500, 2, true, gw, 1};
}
template <>
command_list sample<command_list>(caf::actor_system& sys) {
  return {{sample<command_row>(sys), sample<command_row>(sys)}, 12};
}
template <>
route_report sample<route_report>(caf::actor_system&) {
  return {esl, true, {{gw, -60, 100}}, 30'000};
}
template <>
scale_result sample<scale_result>(caf::actor_system&) {
  return {control_errc::bad_size, "size out of range", "routers", 4, 4};
}

template <>
gateway_row sample<gateway_row>(caf::actor_system&) {
  gateway_row r;
  r.gw = gw;
  r.state = "down";
  r.window = 9.5;
  r.in_flight = 3;
  r.waiting = 4;
  r.silent_in_row = 2;
  r.down_for_ms = 700;
  r.sent = 10;
  r.acks = 6;
  r.busy = 1;
  r.nacks = 1;
  r.silent = 2;
  r.waited = 5;
  r.balanced_in = 7;
  r.breaker_trips = 1;
  return r;
}
template <>
gateway_report sample<gateway_report>(caf::actor_system& sys) {
  gateway_report r;
  r.node = "node-a";
  r.endpoint = "127.0.0.1:4270";
  r.flow_control = false;
  r.window_min = 1;
  r.window_initial = 8;
  r.window_max = 128;
  r.breaker_silent_attempts = 3;
  r.breaker_cool_down_ms = 10'000;
  r.balance_margin_db = 6;
  r.balanced = 1;
  r.avoided_down = 2;
  r.waited = 3;
  r.rerouted = 4;
  r.trips = 5;
  r.recoveries = 6;
  r.busy = 7;
  r.silent = 8;
  r.rows = {sample<gateway_row>(sys)};
  return r;
}

template <class T>
void round_trip(caf::actor_system& sys) {
  auto x = sample<T>(sys);
  CAPTURE(caf::type_name<T>::value);
  auto msg = caf::make_message(x);
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE_FALSE(sink(msg));
  caf::binary_deserializer source{sys, buf};
  caf::message out;
  REQUIRE_FALSE(source(out));
  REQUIRE(out.match_elements<T>());
  CHECK(caf::deep_to_string(out.get_as<T>(0)) == caf::deep_to_string(x));
  // Something was lost if a field kept its default after the trip.
  CHECK(caf::deep_to_string(out.get_as<T>(0)) != caf::deep_to_string(T{}));
}

template <size_t... Is>
size_t round_trip_all(caf::actor_system& sys, std::index_sequence<Is...>) {
  constexpr auto first = caf::id_block::shelfwire::begin;
  (round_trip<typename caf::type_by_id<first + Is>::type>(sys), ...);
  return sizeof...(Is);
}

} // namespace

TEST_CASE("actors: every registered message type survives serialization", "[actors]") {
  actor_fixture f;
  constexpr auto n = caf::id_block::shelfwire::end - caf::id_block::shelfwire::begin;
  CHECK(round_trip_all(f.sys, std::make_index_sequence<n>{}) == n);
  f.run();
}
