#pragma once

// All atoms and message types of shelfwire's actors, in one place (the Zeek
// Broker way). These are in-process / cluster messages; the wire formats
// that leave the system live in runtime/wire and are versioned separately.
//
// Include this only from actor sources (.cpp): it pulls in CAF headers.

#include <cstdint>
#include <functional>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages/gateway_view.hpp" // the `gateways` view
#include "runtime/command/command_fsm.hpp"
#include "runtime/command/command_listing.hpp"
#include "runtime/command/command_spec.hpp"
#include "runtime/command/outcome.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/core/siphash.hpp"
#include "runtime/routing/route.hpp"
#include "runtime/wire/contract.hpp"
#include "runtime/wire/op.hpp"

namespace shelfwire {

/// A command's end as its supervisor reports it to the job coordinator.
struct command_report {
  esl_mac esl;
  command_outcome outcome;
  int64_t latency_us = 0; ///< accepted by the supervisor -> outcome
};

/// One outcome of a job as its coordinator replicates it to the standby.
struct outcome_entry {
  uint32_t index = 0; ///< the command's place in the job
  command_report report;
};

/// command actor -> router pool: publish attempt `attempt` of a command.
struct dispatch_request {
  uint64_t command_id = 0;
  uint32_t seq = 0; ///< the state machine's tag, echoed in the result
  uint8_t attempt = 0;
  command_spec cmd;
  std::vector<gw_mac> tried;
  bool allow_repeat = false;
  uint32_t ttl_ms = 0;
};

/// router -> command actor.
struct dispatch_result {
  /// warming: no route, but the table is being rebuilt after Redis lost
  /// it: ask again after a backoff (bounded by the deadline). queued: `gw`
  /// was chosen but its window is full; the action waits in the node's
  /// gateway_egress, which tells the command (window_atom) when it goes.
  /// gateway_down: every gateway it could use is down (breaker): ask again.
  enum class kind : uint8_t { sent, no_route, unavailable, warming, queued, gateway_down };
  uint32_t seq = 0;
  kind what = kind::unavailable;
  gw_mac gw;               ///< when sent or queued
  int32_t rssi = 0;        ///< when sent or queued: the table's RSSI for that gateway
  uint32_t candidates = 0; ///< fresh candidates the router saw
};

/// route lookup port -> router.
struct route_answer {
  bool ok = false; ///< false: the table could not be read (Redis down, timeout)
  routing::route route;
};

/// A gateway's response, decoded, on its way to the command actor.
struct gateway_reply {
  uint64_t command_id = 0; ///< 0: legacy gateway (no token): match by ESL
  uint8_t attempt = 0;
  esl_mac esl;
  gw_mac gw;
  bool ack = false;
  uint32_t code = 0;
  int64_t forwarded_us = 0; ///< steady clock when sent to another node (0: local)
  uint8_t hops = 0;         ///< forwards between nodes so far (legacy replies)
};

/// command actor -> its supervisor: arm a timer, and where the command is.
/// The supervisor keeps `attempts` and `gw` so that an outcome it has to
/// write itself (shutdown, crash budget spent) still says what was sent.
struct timer_request {
  uint64_t command_id = 0;
  uint8_t kind = 0; ///< command_step::timer_kind
  uint32_t seq = 0;
  int64_t due_us = 0;
  uint32_t attempts = 0; ///< actions published so far
  bool has_gw = false;
  gw_mac gw; ///< gateway of the latest attempt
};

/// An in-process submission (node::submit): a command plus the callback that
/// takes its outcome. Never leaves the process.
struct local_submission {
  command_spec cmd;
  std::function<void(const command_report&)> done;
};

/// What a cluster member tells the others about itself (join, gossip).
struct member_info {
  std::string name;
  uint64_t incarnation = 0;
  /// Verifies the reply tokens the member mints: a secret, carried only on
  /// the cluster link (mutual TLS beyond loopback: docs/security.md).
  siphash_key token_key;
  std::string host;
  uint16_t port = 0;
  int64_t up_since_ms = 0;
  bool leaving = false;
  caf::actor manager;
  std::vector<caf::actor> shards; ///< its supervisor shards (shard_handle, untyped on the wire)
  caf::actor intake;              ///< its job intake; null if it takes no jobs
};

/// The members a cluster manager knows, itself included.
struct member_list {
  std::vector<member_info> members;
};

/// A message from the broker, copied out of paho's buffers in the callback.
struct mqtt_inbound {
  std::string topic;
  std::string payload;
};

// -- inspection (shelfwire-inspect <-> a node's inspector) -----------------------
//
// Everything a view shows, as plain data: the node fills it, the client
// renders it (table or JSON). Durations carry their unit in the name.

/// A named number (a counter, a gauge, a count of actors).
struct named_value {
  std::string name;
  int64_t value = 0;
};

/// One cluster member as the asked node sees it.
struct member_row {
  std::string name;
  uint64_t incarnation = 0;
  std::string host;
  uint16_t port = 0;
  std::string state;          ///< "self", "up" or "leaving"
  int64_t up_since_ms = 0;    ///< wall clock, ms since the epoch
  int64_t last_heard_ms = -1; ///< ms since its last gossip or join; -1: self / never
};

/// One router of the pool.
struct router_row {
  uint32_t index = 0;
  int64_t mailbox = 0; ///< messages waiting (CAF's approximate count)
  int64_t handled = 0; ///< dispatch requests answered
  bool redis_up = false;
};

/// One MQTT or Redis connection: state and counters.
struct link_row {
  std::string name; ///< "mqtt.egress", "redis.router0", ...
  bool up = false;
  std::vector<named_value> counters;
};

/// A latency histogram's summary, in microseconds.
struct latency_row {
  std::string name;
  int64_t count = 0;
  int64_t mean_us = 0;
  int64_t p50_us = 0;
  int64_t p90_us = 0;
  int64_t p99_us = 0;
  int64_t max_us = 0;
};

/// The `node` view.
struct node_report {
  std::string name;
  uint64_t incarnation = 0;
  std::string endpoint; ///< host:port of its CAF endpoint
  int64_t up_since_ms = 0;
  int64_t running_actors = 0;              ///< CAF's registry count
  std::vector<named_value> actors;         ///< by kind
  std::vector<named_value> command_states; ///< command actors and waiting commands by state
  std::vector<router_row> routers;
  std::vector<link_row> links;
  int64_t mqtt_messages_per_s = 0; ///< published + received, over the last second
  std::vector<named_value> outcomes;
  std::vector<latency_row> latencies;
  std::vector<named_value> counters; ///< every counter and gauge of the node
};

/// The `route` view: what the RSSI table says for one ESL.
struct route_report {
  esl_mac esl;
  bool ok = false;                            ///< false: the table could not be read
  std::vector<routing::candidate> candidates; ///< best first
  int64_t stale_after_ms = 0;
};

/// Why a control action was refused.
enum class control_errc : uint8_t {
  none = 0,
  control_disabled, ///< the node has no inspect.token: control actions are off
  bad_token,        ///< the token does not match the node's inspect.token
  unknown_pool,     ///< not a pool that can be scaled (only "routers")
  bad_size,         ///< size out of range (1..256)
  unavailable,      ///< the pool did not answer in time: nothing is known to have changed
};

/// The answer to a scale request.
struct scale_result {
  control_errc error = control_errc::none;
  std::string message; ///< for people: what was done, or why not
  std::string pool;
  int32_t before = 0;
  int32_t after = 0;
};

// -- inspect ---------------------------------------------------------------------

template <class Inspector, class Tag>
typename Inspector::result_type inspect(Inspector& f, mac48<Tag>& x) {
  uint64_t v = x.value();
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x = mac48<Tag>::from_u64(v);
    return caf::none;
  });
  return f(caf::meta::type_name("shelfwire::mac48"), v, load);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_spec& x) {
  auto op = static_cast<uint8_t>(x.op);
  auto prio = static_cast<uint8_t>(x.prio);
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x.op = static_cast<wire::op_kind>(op);
    x.prio = static_cast<priority>(prio < priority_count ? prio : 1);
    return caf::none;
  });
  return f(caf::meta::type_name("shelfwire::command_spec"), x.esl, op, x.args, prio, load);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_outcome& x) {
  auto st = static_cast<uint8_t>(x.status);
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x.status = static_cast<outcome_status>(st);
    return caf::none;
  });
  return f(caf::meta::type_name("shelfwire::command_outcome"), st, x.code, x.has_gw, x.gw,
           x.attempts, x.reason, x.backbone_us, load);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_report& x) {
  return f(caf::meta::type_name("shelfwire::command_report"), x.esl, x.outcome, x.latency_us);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outcome_entry& x) {
  return f(caf::meta::type_name("shelfwire::outcome_entry"), x.index, x.report);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dispatch_request& x) {
  return f(caf::meta::type_name("shelfwire::dispatch_request"), x.command_id, x.seq, x.attempt,
           x.cmd, x.tried, x.allow_repeat, x.ttl_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dispatch_result& x) {
  auto k = static_cast<uint8_t>(x.what);
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x.what = static_cast<dispatch_result::kind>(k);
    return caf::none;
  });
  return f(caf::meta::type_name("shelfwire::dispatch_result"), x.seq, k, x.gw, x.rssi, x.candidates,
           load);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_reply& x) {
  return f(caf::meta::type_name("shelfwire::gateway_reply"), x.command_id, x.attempt, x.esl, x.gw,
           x.ack, x.code, x.forwarded_us, x.hops);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_info& x) {
  return f(caf::meta::type_name("shelfwire::member_info"), x.name, x.incarnation, x.token_key.k0,
           x.token_key.k1, x.host, x.port, x.up_since_ms, x.leaving, x.manager, x.shards, x.intake);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_list& x) {
  return f(caf::meta::type_name("shelfwire::member_list"), x.members);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timer_request& x) {
  return f(caf::meta::type_name("shelfwire::timer_request"), x.command_id, x.kind, x.seq, x.due_us,
           x.attempts, x.has_gw, x.gw);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mqtt_inbound& x) {
  return f(caf::meta::type_name("shelfwire::mqtt_inbound"), x.topic, x.payload);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, named_value& x) {
  return f(caf::meta::type_name("shelfwire::named_value"), x.name, x.value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_row& x) {
  return f(caf::meta::type_name("shelfwire::member_row"), x.name, x.incarnation, x.host, x.port,
           x.state, x.up_since_ms, x.last_heard_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, router_row& x) {
  return f(caf::meta::type_name("shelfwire::router_row"), x.index, x.mailbox, x.handled,
           x.redis_up);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_row& x) {
  return f(caf::meta::type_name("shelfwire::link_row"), x.name, x.up, x.counters);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, latency_row& x) {
  return f(caf::meta::type_name("shelfwire::latency_row"), x.name, x.count, x.mean_us, x.p50_us,
           x.p90_us, x.p99_us, x.max_us);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_report& x) {
  return f(caf::meta::type_name("shelfwire::node_report"), x.name, x.incarnation, x.endpoint,
           x.up_since_ms, x.running_actors, x.actors, x.command_states, x.routers, x.links,
           x.mqtt_messages_per_s, x.outcomes, x.latencies, x.counters);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_query& x) {
  return f(caf::meta::type_name("shelfwire::command_query"), x.has_esl, x.esl, x.state, x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_row& x) {
  return f(caf::meta::type_name("shelfwire::command_row"), x.id, x.esl, x.op, x.priority, x.state,
           x.age_ms, x.attempts, x.has_gw, x.gw, x.shard);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_list& x) {
  return f(caf::meta::type_name("shelfwire::command_list"), x.rows, x.matching);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scale_result& x) {
  auto e = static_cast<uint8_t>(x.error);
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x.error = static_cast<control_errc>(e);
    return caf::none;
  });
  return f(caf::meta::type_name("shelfwire::scale_result"), e, x.message, x.pool, x.before, x.after,
           load);
}

} // namespace shelfwire

namespace shelfwire::routing {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, candidate& x) {
  return f(caf::meta::type_name("shelfwire::routing::candidate"), x.gw, x.rssi, x.age_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route& x) {
  return f(caf::meta::type_name("shelfwire::routing::route"), x.esl, x.candidates);
}

} // namespace shelfwire::routing

namespace shelfwire {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_answer& x) {
  return f(caf::meta::type_name("shelfwire::route_answer"), x.ok, x.route);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_report& x) {
  return f(caf::meta::type_name("shelfwire::route_report"), x.esl, x.ok, x.candidates,
           x.stale_after_ms);
}

} // namespace shelfwire

// -- type IDs and atoms -------------------------------------------------------------

CAF_BEGIN_TYPE_ID_BLOCK(shelfwire, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(shelfwire, (shelfwire::esl_mac))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::gw_mac))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::command_spec))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::command_outcome))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::command_report))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::dispatch_request))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::dispatch_result))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::route_answer))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::gateway_reply))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::mqtt_inbound))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::timer_request))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::member_info))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::member_list))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::named_value))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::member_row))
CAF_ADD_TYPE_ID(shelfwire, (std::vector<shelfwire::member_row>))
CAF_ADD_TYPE_ID(shelfwire, (std::vector<shelfwire::named_value>))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::router_row))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::link_row))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::latency_row))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::node_report))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::command_query))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::command_row))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::command_list))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::route_report))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::scale_result))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::outcome_entry))
CAF_ADD_TYPE_ID(shelfwire, (std::vector<shelfwire::outcome_entry>))
CAF_ADD_TYPE_ID(shelfwire, (std::vector<uint32_t>))
CAF_ADD_TYPE_ID(shelfwire, (std::vector<std::string>))

/// job coordinator -> supervisor: (submit_atom, uint32_t index, command_spec,
/// caf::actor previous owner's shard, or null)
CAF_ADD_ATOM(shelfwire, shelfwire, submit_atom, "submit")
/// command -> supervisor: (outcome_atom, uint64_t command_id, command_outcome);
/// supervisor -> coordinator: (outcome_atom, uint32_t index, command_report)
CAF_ADD_ATOM(shelfwire, shelfwire, outcome_atom, "outcome")
/// command -> routers: (dispatch_atom, dispatch_request) -> dispatch_result
CAF_ADD_ATOM(shelfwire, shelfwire, dispatch_atom, "dispatch")
/// inspector -> router: (lookup_atom, esl_mac) -> route_answer (the `route` view)
CAF_ADD_ATOM(shelfwire, shelfwire, lookup_atom, "lookup")
/// ingress -> supervisor -> command: (reply_atom, gateway_reply)
CAF_ADD_ATOM(shelfwire, shelfwire, reply_atom, "gw_reply")
/// a command's own timers (capped at its deadline): command -> supervisor
/// (timer_atom, timer_request); supervisor -> command when due
/// (timer_atom, uint8_t timer_kind, uint32_t seq)
CAF_ADD_ATOM(shelfwire, shelfwire, timer_atom, "timer")
/// batching actors flush themselves: (flush_atom)
CAF_ADD_ATOM(shelfwire, shelfwire, flush_atom, "flush")
/// node shutdown: (shutdown_atom) ends everything in flight `failed`
/// ("shutdown"); (shutdown_atom, true): "moved", their submitters send them
/// to another member
CAF_ADD_ATOM(shelfwire, shelfwire, shutdown_atom, "shutdown")
/// job coordinator -> intake: (done_atom, std::string job, uint64_t commands);
/// supervisor -> command actor: (done_atom) its outcome is recorded, quit
CAF_ADD_ATOM(shelfwire, shelfwire, done_atom, "done")
/// retry publishing a result: (retry_atom)
CAF_ADD_ATOM(shelfwire, shelfwire, retry_atom, "retry")
/// fault hook for tests: a command actor receiving (crash_atom) throws
CAF_ADD_ATOM(shelfwire, shelfwire, crash_atom, "crash")
/// gateway egress -> command actor whose attempt waited for a window:
/// (window_atom, uint32_t seq, gw_mac) it was published now; (window_atom,
/// uint32_t seq) its gateway went down (or the broker refused it): route again
CAF_ADD_ATOM(shelfwire, shelfwire, window_atom, "window")

/// cluster managers: (join_atom, member_info) -> member_list
CAF_ADD_ATOM(shelfwire, shelfwire, join_atom, "join")
/// cluster managers gossip: (members_atom, member_list)
CAF_ADD_ATOM(shelfwire, shelfwire, members_atom, "members")
/// node -> its manager: (leave_atom) -> bool; manager -> members:
/// (leave_atom, std::string name, uint64_t incarnation)
CAF_ADD_ATOM(shelfwire, shelfwire, leave_atom, "leave")
/// new owner's supervisor -> previous owner's: (handoff_atom, esl_mac) -> bool,
/// answered once the previous owner holds no command for the ESL
CAF_ADD_ATOM(shelfwire, shelfwire, handoff_atom, "handoff")

/// inspection (shelfwire-inspect): client -> cluster manager: (inspect_atom,
/// std::string token) -> caf::actor, the node's inspector; (inspect_atom,
/// members_atom, token) -> std::vector<member_row>. Client -> inspector:
/// (inspect_atom, node_atom, token) -> node_report, (inspect_atom,
/// commands_atom, command_query, token) -> command_list, (inspect_atom,
/// route_atom, esl_mac, token) -> route_report (the token: docs/security.md).
/// Inspector -> supervisor: (inspect_atom) -> std::vector<
/// named_value> (commands by state); (inspect_atom, command_query) ->
/// command_list. Inspector -> router: (inspect_atom) -> router_row;
/// (lookup_atom, esl_mac) -> route_answer.
CAF_ADD_ATOM(shelfwire, shelfwire, inspect_atom, "inspect")
CAF_ADD_ATOM(shelfwire, shelfwire, node_atom, "node")
CAF_ADD_ATOM(shelfwire, shelfwire, commands_atom, "commands")
CAF_ADD_ATOM(shelfwire, shelfwire, route_atom, "route")
CAF_ADD_ATOM(shelfwire, shelfwire, gateways_atom, "gateways") // -> gateway_report
/// control: client -> inspector: (scale_atom, std::string pool, int32_t size,
/// std::string token, std::string requested_by) -> scale_result
CAF_ADD_ATOM(shelfwire, shelfwire, scale_atom, "scale")
/// inspector -> a router taken out of the pool: (drain_atom) answer what is
/// queued, hand later requests back to the pool, then stop
CAF_ADD_ATOM(shelfwire, shelfwire, drain_atom, "drain")
/// job failover (docs/northbound.md, "Acceptance and failover"). Intake ->
/// the job's home intake: (job_atom, std::string submission payload);
/// home intake -> the other intakes: (job_atom, get_atom, std::string job)
/// -> uint8_t (0: unknown here; 1: live here, receipt published again;
/// 2: finished here, result published again); after a membership change,
/// an intake -> the new home of ids it holds: (job_atom, put_atom,
/// std::vector<std::string> ids).
CAF_ADD_ATOM(shelfwire, shelfwire, job_atom, "job")
/// coordinator -> the standby's intake: (standby_atom, std::string
/// submission payload, caf::actor coordinator, std::vector<outcome_entry>
/// outcomes so far) -> caf::actor, the standby. Coordinator -> standby:
/// (outcome_atom, std::vector<outcome_entry>) batches, (done_atom,
/// std::string result payload) the result is out, (standby_atom,
/// std::vector<uint32_t> commands it has at shards) take over now (a
/// handover, the coordinator leaves); to itself (standby_atom, done_atom):
/// stop waiting for the outcomes the old coordinator passes on.
CAF_ADD_ATOM(shelfwire, shelfwire, standby_atom, "standby")
/// a coordinator that took over -> every shard: (rebind_atom, caf::actor_id
/// old coordinator, caf::node_id its node, caf::actor new one) ->
/// std::vector<uint32_t>, the indices of the commands the shard holds for
/// the old one (their outcomes now go to the new one). By id, not handle:
/// on its own node a handle to the old one, which quit, would not resolve.
CAF_ADD_ATOM(shelfwire, shelfwire, rebind_atom, "rebind")
/// coordinator -> shards it sent commands to: (abort_atom) its job passed its
/// abort_threshold: the sender's commands not started end `aborted`
CAF_ADD_ATOM(shelfwire, shelfwire, abort_atom, "abort")
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::gateway_row))
CAF_ADD_TYPE_ID(shelfwire, (shelfwire::gateway_report))

CAF_END_TYPE_ID_BLOCK(shelfwire)

// Local only (holds a std::function): may not cross a node boundary.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(shelfwire::local_submission)

// -- typed protocols -----------------------------------------------------------------
//
// The handles of the actors on a command's path, so that the compiler checks
// every message sent to them. Their behaviours are declared with these types.

namespace shelfwire {

/// Whoever submits commands to a shard (a job coordinator, the local
/// client): takes each command's outcome.
using outcome_listener_handle =
    caf::typed_actor<caf::reacts_to<outcome_atom, uint32_t, command_report>>;

/// A command supervisor shard (actors/command/command_supervisor.hpp).
/// The hint of a submission is the previous owner's shard of the ESL, or
/// null: a `caf::actor` because a protocol cannot name its own handle.
using shard_handle = caf::typed_actor<
    caf::reacts_to<submit_atom, uint32_t, command_spec, caf::actor>,
    caf::reacts_to<outcome_atom, uint64_t, command_outcome>,
    caf::reacts_to<reply_atom, gateway_reply>, caf::reacts_to<timer_atom, timer_request>,
    caf::reacts_to<caf::tick_atom>, caf::replies_to<handoff_atom, esl_mac>::with<bool>,
    caf::replies_to<rebind_atom, uint64_t, caf::node_id, caf::actor>::with<std::vector<uint32_t>>,
    caf::reacts_to<abort_atom>, caf::replies_to<shutdown_atom>::with<uint64_t>,
    caf::replies_to<shutdown_atom, bool>::with<uint64_t>,
    caf::replies_to<inspect_atom>::with<std::vector<named_value>>,
    caf::replies_to<inspect_atom, command_query>::with<command_list>>;

/// One command actor (actors/command/command_actor.hpp), as its supervisor
/// drives it.
using command_handle = caf::typed_actor<
    caf::reacts_to<reply_atom, gateway_reply>, caf::reacts_to<timer_atom, uint8_t, uint32_t>,
    caf::reacts_to<window_atom, uint32_t, gw_mac>, caf::reacts_to<window_atom, uint32_t>,
    caf::reacts_to<done_atom>, caf::reacts_to<crash_atom>>;

/// The router pool as command actors and the inspector use it (a
/// caf::actor_pool of routers: each request goes to one of them).
using router_pool_handle =
    caf::typed_actor<caf::replies_to<dispatch_atom, dispatch_request>::with<dispatch_result>,
                     caf::replies_to<lookup_atom, esl_mac>::with<route_answer>>;

/// One router (actors/router/router.hpp): the pool's protocol, plus what
/// the inspector asks of each and its own flush.
using router_handle =
    router_pool_handle::extend<caf::replies_to<inspect_atom>::with<router_row>,
                               caf::reacts_to<drain_atom>, caf::reacts_to<drain_atom, done_atom>,
                               caf::reacts_to<flush_atom>>;

} // namespace shelfwire
