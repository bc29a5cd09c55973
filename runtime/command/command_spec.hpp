#pragma once

#include "runtime/command/priority.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/wire/contract.hpp"
#include "runtime/wire/op.hpp"

namespace shelfwire {

/// What to do to one ESL: the unit a job is made of.
struct command_spec {
  esl_mac esl;
  wire::op_kind op = wire::op_kind::ping;
  wire::arg_list args;
  /// The job's priority: where the command queues (shard, gateway window).
  shelfwire::priority prio = shelfwire::priority::normal;
};

} // namespace shelfwire
