#pragma once

#include <caf/fwd.hpp>

namespace shelfwire {

/// Makes `cfg`'s actor system use CAF's scheduler (`sharing` or `stealing`,
/// `scheduler.max-threads` workers) with a clock that is told of an actor's
/// end only if the actor ever set a timeout.
///
/// Why: in CAF 0.17.6 every actor's cleanup calls
/// `clock().cancel_timeouts(this)`, which allocates an event, takes the
/// clock's lock and wakes the clock thread if it was idle — for every actor,
/// whether or not it set a timeout. A node ends one command actor per
/// command: that was about one clock-thread wake-up per command
/// (docs/experiments.md, "Where a node's CPU goes"). The clock here keeps the
/// ids of actors with timeouts (ordinary, request or multi timeouts: the
/// only ones `cancel_timeouts` removes) and passes the cancellation on only
/// for those; for the others it had nothing to remove. Everything else is
/// CAF's own coordinator, unchanged. Its clock thread is `sw.clock`.
///
/// Call before constructing the `caf::actor_system`. `stealing`: the
/// work-stealing policy, else work sharing.
void use_lean_scheduler(caf::actor_system_config& cfg, bool stealing);

} // namespace shelfwire
