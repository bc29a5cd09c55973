#pragma once

#include <caf/fwd.hpp>

namespace shelfwire {

/// Makes `cfg`'s actor system use CAF's scheduler (`sharing` or `stealing`,
/// `scheduler.max-threads` workers) with a clock of ours that wakes its
/// thread (`sw.clock`) only when it must.
///
/// Why: CAF 0.17.6's clock wakes its thread for every event it is given
/// while idle — a timeout set, every actor's end (`cancel_timeouts`, whether
/// or not the actor set a timeout) — and for every entry that falls due,
/// including the timeouts of requests long answered (CAF 0.17.6 never
/// cancels those; the late error is dropped). A node ends one command actor
/// per command, and in a cluster each job sets several timeouts: one to 2.4
/// clock wake-ups per command (docs/experiments.md, "Where a node's CPU
/// goes"). This clock keeps CAF's schedule and dispatch, but: a new entry
/// wakes the thread only if due before the thread would wake anyway;
/// cancellations wait for the next wake-up (never later than the earliest
/// entry); wake-ups fall on a 5 ms grid (entries fire up to 5 ms late,
/// together); an actor's end is passed on only if the actor set a timeout.
/// Everything else is CAF's coordinator.
///
/// Call before constructing the `caf::actor_system`. `stealing`: the
/// work-stealing policy, else work sharing.
void use_lean_scheduler(caf::actor_system_config& cfg, bool stealing);

} // namespace shelfwire
