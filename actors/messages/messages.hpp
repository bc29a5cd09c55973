#pragma once

// All atoms and message types of shelfwire's actors, in one place (the Zeek
// Broker way). These are in-process / cluster messages; the wire formats
// that leave the system live in runtime/wire and are versioned separately.
//
// Include this only from actor sources (.cpp): it pulls in CAF headers.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>
#include <caf/type_id.hpp>

#include "runtime/command/command_fsm.hpp"
#include "runtime/command/outcome.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/routing/route.hpp"
#include "runtime/wire/contract.hpp"
#include "runtime/wire/op.hpp"

namespace shelfwire {

/// What to do to one ESL: the unit a job is made of.
struct command_spec {
  esl_mac esl;
  wire::op_kind op = wire::op_kind::ping;
  wire::arg_list args;
};

/// A command's end as its supervisor reports it to the job coordinator.
struct command_report {
  esl_mac esl;
  command_outcome outcome;
  int64_t latency_us = 0; ///< accepted by the supervisor -> outcome
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
  enum class kind : uint8_t { sent, no_route, unavailable };
  uint32_t seq = 0;
  kind what = kind::unavailable;
  gw_mac gw;               ///< when sent
  int32_t rssi = 0;        ///< when sent: the table's RSSI for that gateway
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

/// A message from the broker, copied out of paho's buffers in the callback.
struct mqtt_inbound {
  std::string topic;
  std::string payload;
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
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x.op = static_cast<wire::op_kind>(op);
    return caf::none;
  });
  return f(caf::meta::type_name("shelfwire::command_spec"), x.esl, op, x.args, load);
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
           x.ack, x.code);
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

/// job coordinator -> supervisor: (submit_atom, uint32_t index, command_spec)
CAF_ADD_ATOM(shelfwire, shelfwire, submit_atom, "submit")
/// command -> supervisor: (outcome_atom, uint64_t command_id, command_outcome);
/// supervisor -> coordinator: (outcome_atom, uint32_t index, command_report)
CAF_ADD_ATOM(shelfwire, shelfwire, outcome_atom, "outcome")
/// command -> routers: (dispatch_atom, dispatch_request) -> dispatch_result
CAF_ADD_ATOM(shelfwire, shelfwire, dispatch_atom, "dispatch")
/// router -> lookup port: (lookup_atom, esl_mac) -> route_answer
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
CAF_ADD_ATOM(shelfwire, shelfwire, shutdown_atom, "shutdown")
/// job coordinator -> intake: (done_atom, std::string job, uint64_t commands);
/// supervisor -> command actor: (done_atom) its outcome is recorded, quit
CAF_ADD_ATOM(shelfwire, shelfwire, done_atom, "done")
/// retry publishing a result: (retry_atom)
CAF_ADD_ATOM(shelfwire, shelfwire, retry_atom, "retry")
/// fault hook for tests: a command actor receiving (crash_atom) throws
CAF_ADD_ATOM(shelfwire, shelfwire, crash_atom, "crash")

CAF_END_TYPE_ID_BLOCK(shelfwire)

// Local only (holds a std::function): may not cross a node boundary.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(shelfwire::local_submission)
