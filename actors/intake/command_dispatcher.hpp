#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
#include <caf/node_id.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"

namespace shelfwire {

/// Sends commands to the supervisor shard of their ESL's owner (rendezvous
/// hashing over the live members, see docs/cluster.md) and remembers where
/// each one went, so that
///
/// - commands held by a member that dies are sent again, to the new owner;
/// - an outcome from a shard a command was since taken from is ignored;
/// - a command is never sent to one shard while an earlier command of the
///   same ESL from this dispatcher is still outstanding at another: it is
///   held back until that one's outcome arrives. Without this, a command sent
///   to the previous owner just before a membership change and the next one
///   sent to the new owner could both be in flight (CAF orders messages per
///   sender only, so the new owner's handoff request can overtake the first).
///
/// Lives in the state of the actor that submits (a job coordinator, the
/// local client): not thread-safe. That actor forwards its down_msgs here.
class command_dispatcher {
public:
  explicit command_dispatcher(node_context_ptr ctx)
      : ctx_(std::move(ctx)) {}

  /// Sends (submit_atom, index, cmd) to the shard of the ESL's owner, or
  /// holds it back (see above) and sends it when the ESL's earlier commands
  /// have their outcomes.
  void send(caf::event_based_actor* self, uint32_t index, const command_spec& cmd);

  /// True if `sender` is where `index` was sent last: take its outcome (and
  /// forget the index; commands held back behind it may go out now). False:
  /// a stale outcome, counted.
  bool take(caf::event_based_actor* self, uint32_t index, const caf::strong_actor_ptr& sender);

  /// Sends again, to their new owners and ahead of anything held back for
  /// the same ESLs, the commands held by the node whose shard went down.
  /// Returns how many.
  size_t redispatch(caf::event_based_actor* self, const caf::down_msg& dm);

  /// Takes on command `index`, which `shard` already holds for this
  /// dispatcher's actor (it took a job over, and the shard now reports to
  /// it): its outcome will be taken from that shard.
  void adopt(caf::event_based_actor* self, uint32_t index, const command_spec& cmd,
             shard_handle shard);

  /// Stops monitoring the shards. Call before the actor quits: CAF keeps a
  /// monitor on the monitored actor until that one ends, so a short-lived
  /// submitter (one per job) would leave one behind on every long-lived
  /// shard it used.
  void demonitor_all(caf::event_based_actor* self);

  /// The indices of the commands sent to shards whose outcome has not been
  /// taken (not those held back).
  std::vector<uint32_t> transmitted() const;

  /// Commands sent or held back whose outcome has not been taken.
  size_t outstanding() const { return where_.size() + held_; }

  /// From now on sends nothing: every command given to send(), or sent
  /// again after its shard went down, is held back (a job that aborted).
  void stop_sending() { stopped_ = true; }
  /// Sends again after stop_sending(): what was held back goes out as far
  /// as the ESLs' order allows (a handover that failed).
  void resume_sending(caf::event_based_actor* self);
  bool stopped() const { return stopped_; }
  /// Forgets the commands held back and returns their indices (never sent:
  /// no outcome can come for them).
  std::vector<uint32_t> drop_held();
  /// The shards holding commands sent and not taken, each once.
  std::vector<shard_handle> shards() const;

private:
  struct sent_command {
    shard_handle shard;
    command_spec cmd;
  };
  struct esl_queue {
    shard_handle shard;    ///< where the outstanding commands went
    uint32_t in_shard = 0; ///< commands of the ESL outstanding there
    std::deque<std::pair<uint32_t, command_spec>> held;
  };

  /// The owner's shard for `esl`, and the previous owner's shard as a hint
  /// (null unless ownership moved recently).
  std::pair<shard_handle, shard_handle> target(const esl_mac& esl) const;
  void transmit(caf::event_based_actor* self, esl_queue& q, uint32_t index, command_spec cmd);
  void release(caf::event_based_actor* self, const esl_mac& esl);

  node_context_ptr ctx_;
  std::unordered_map<uint32_t, sent_command> where_;
  std::unordered_map<esl_mac, esl_queue> esls_;
  size_t held_ = 0;
  bool stopped_ = false;
  std::set<caf::actor_addr> monitored_;
  std::vector<caf::node_id> dead_; ///< nodes seen down before the view caught up
};

} // namespace shelfwire
