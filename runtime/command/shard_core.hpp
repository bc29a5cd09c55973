#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "runtime/command/command_listing.hpp"
#include "runtime/command/command_spec.hpp"
#include "runtime/command/outcome.hpp"
#include "runtime/command/timer_queue.hpp"

namespace shelfwire {

/// What a shard knows of one command it holds.
struct shard_entry {
  static constexpr uint8_t no_timer = 0xff;

  uint32_t index = 0; ///< the submitter's tag for the command (its place in the job)
  command_spec cmd;
  int64_t accepted_us = 0;
  bool running = false;         ///< a command actor runs it now
  int restarts = 0;             ///< command actors that crashed running it
  uint32_t attempts_before = 0; ///< actions published by crashed incarnations
  uint32_t attempts = 0;        ///< actions published by the current one (last report)
  bool has_gw = false;
  gw_mac gw;                     ///< gateway of the latest attempt
  uint8_t timer_kind = no_timer; ///< command_step::timer_kind of its latest timer
};

/// What a command actor reports with each timer it arms (see timer_request).
struct command_progress {
  uint8_t timer_kind = 0; ///< command_step::timer_kind
  uint32_t seq = 0;
  int64_t due_us = 0;
  uint32_t attempts = 0; ///< actions published so far
  bool has_gw = false;
  gw_mac gw;
};

/// Where a shard_core's decisions go. The supervisor actor implements it
/// (spawns command actors, sends outcomes); unit tests record the calls.
/// Calls happen synchronously inside shard_core's methods: an implementation
/// must not call back into the core.
class shard_port {
public:
  virtual ~shard_port() = default;
  /// Run command `id`: spawn its command actor. `e.restarts > 0`: a restart.
  virtual void run(uint64_t id, const shard_entry& e) = 0;
  /// Command `id` ended with `o`: report it to its submitter, and release
  /// its actor if `e.running`. Called exactly once per accepted command;
  /// the core forgets the entry when this returns.
  virtual void finish(uint64_t id, const shard_entry& e, command_outcome o) = 0;
  /// The shard holds no command for `esl` any more: a new owner waiting for
  /// this shard to finish the ESL may go on.
  virtual void released(esl_mac esl) = 0;
  /// Timer (`kind`, `seq`) of command `id` is due: pass it to its actor.
  virtual void fire(uint64_t id, uint8_t kind, uint32_t seq) = 0;
};

/// Limits of one shard (from `commands.*`).
struct shard_limits {
  size_t max_running = SIZE_MAX;        ///< this shard's share of commands.max-running
  int max_restarts = 1;                 ///< restarts of a crashed command actor
  int64_t timer_resolution_us = 10'000; ///< ticks are rounded up to this
};

/// The rules of one supervisor shard, as pure logic: no actors, no clock
/// (callers pass `now_us`), no I/O. The supervisor actor is a thin shell
/// that feeds it messages and carries out what it asks of its shard_port.
///
/// - One command in flight per ESL; the others wait in submission order. A
///   newer command with the same op replaces a waiting one (`superseded`).
/// - At most `max_running` commands run at once; the others may start as
///   running ones end, from one FIFO per priority (`ready`): a waiting
///   `high` command starts before waiting `normal` ones, those before `bulk`.
///   Only an ESL's first command waits there, so per-ESL order stays the
///   submission order whatever the priorities.
/// - A crashed command actor is restarted up to `max_restarts` times, then
///   the command ends `failed` ("crashed"); its attempts are kept.
/// - Handoff: an ESL's first command waits until the previous owners the
///   shell asked have answered (`handoff_answered`).
/// - Every accepted command ends in exactly one shard_port::finish.
///
/// Command ids carry the shard index in their top 16 bits. Not thread-safe:
/// one per supervisor actor.
class shard_core {
public:
  shard_core(uint64_t shard_index, shard_limits limits, shard_port& port);
  shard_core(const shard_core&) = delete;
  shard_core& operator=(const shard_core&) = delete;

  /// How a submission was taken.
  struct accepted {
    uint64_t id = 0;
    bool queued = false;           ///< waits behind an earlier command of its ESL
    bool awaiting_handoff = false; ///< first of its ESL, waits for previous owners
  };

  /// A new command id (the shard index in its top 16 bits). Taken before
  /// submit, so that the shell can note what it keeps of the command before
  /// the core acts on it.
  uint64_t mint_id() { return (shard_index_ << 48) | next_serial_++; }

  /// Accepts command `id` (from mint_id). `handoff_answers`: how many
  /// previous owners the shell asks before the ESL's first command may
  /// start; it applies only when the ESL has no command here yet (`holds`).
  /// While shutting down the command ends `failed` ("shutdown") at once.
  accepted submit(uint64_t id, uint32_t index, command_spec cmd, int64_t now_us,
                  int handoff_answers = 0);

  /// A previous owner asked at submit answered, timed out or is gone.
  void handoff_answered(esl_mac esl);

  /// Command `id`'s actor reported its outcome (attempts of crashed
  /// incarnations are added). Unknown ids are ignored.
  void complete(uint64_t id, command_outcome o);

  enum class crash_result : uint8_t { unknown, restarted, ended };
  /// Command `id`'s actor stopped without reporting: restart it, or end the
  /// command `failed` ("crashed") once the restart budget is spent.
  crash_result crashed(uint64_t id);

  /// A command's actor armed a timer. Returns when the shell should tick, if
  /// that is earlier than any tick already asked for.
  std::optional<int64_t> progress(uint64_t id, const command_progress& p);

  /// Fires (shard_port::fire) the timers due at `now_us` of running
  /// commands. Returns when to tick next, if timers are pending.
  std::optional<int64_t> tick(int64_t now_us);

  /// Where a gateway reply goes.
  struct reply_route {
    enum class kind : uint8_t {
      deliver,      ///< to command `id`'s actor
      late,         ///< the command ended, or its actor is between crash and restart
      esl_mismatch, ///< the token names a command of another ESL
      not_held,     ///< legacy reply for an ESL this shard holds nothing for (yet)
    };
    kind what = kind::late;
    uint64_t id = 0;
  };
  /// Routes a reply: by command id, or (command_id 0: legacy gateway) to the
  /// ESL's command in flight.
  reply_route route_reply(uint64_t command_id, esl_mac esl) const;

  /// Ends `aborted` ("abort_threshold") every command `select` picks that
  /// has not started: waiting behind its ESL's earlier command, for the
  /// ESL's previous owners, or for a running slot. Running ones go on to
  /// their own outcome. Returns how many ended.
  size_t abort_waiting(const std::function<bool(uint64_t id, const shard_entry&)>& select);

  /// Commands waiting for a running slot, by priority.
  size_t ready_count(priority p) const { return ready_[static_cast<size_t>(p)].size(); }

  /// Ends every command `failed` with `reason` ("shutdown", or "moved" when
  /// the submitters should send them to another member) and takes no more:
  /// later submissions end at once, with the same reason. Returns how many.
  size_t shutdown(std::string_view reason = outcome_reason::shutdown);

  /// True if the shard holds a command for `esl`.
  bool holds(esl_mac esl) const { return queues_.count(esl) != 0; }
  bool shutting_down() const { return shutting_down_; }
  const shard_entry* find(uint64_t id) const;
  size_t size() const { return commands_.size(); }
  size_t running() const { return running_; }
  /// Ids of the commands whose actors run now.
  std::vector<uint64_t> running_ids() const;

  command_phase phase_of(uint64_t id, const shard_entry& e) const;
  std::array<int64_t, command_phase_count> count_by_phase() const;
  /// The oldest `q.limit` commands matching `q`.
  command_list list(const command_query& q, int64_t now_us) const;

  /// The outcome the shard writes itself (superseded, shutdown, crashed):
  /// says what was sent, as far as the command actor reported it.
  static command_outcome ended(const shard_entry& e, outcome_status s, std::string_view reason);

private:
  void start(uint64_t id);
  void start_ready();
  void finalize(uint64_t id, command_outcome o);
  void finalize_one(uint64_t id, command_outcome o);
  void supersede_waiting(esl_mac esl, wire::op_kind op);
  std::optional<int64_t> want_tick(int64_t due_us);

  uint64_t shard_index_;
  shard_limits limits_;
  shard_port& port_;
  uint64_t next_serial_ = 1;
  bool shutting_down_ = false;
  std::string_view shutdown_reason_ = outcome_reason::shutdown; ///< one of outcome_reason's
  size_t running_ = 0;
  std::unordered_map<uint64_t, shard_entry> commands_;
  std::unordered_map<esl_mac, std::deque<uint64_t>> queues_; ///< front: in flight
  /// May start, waiting for a running slot: one FIFO per priority. Ids of
  /// commands that ended meanwhile (aborted) are skipped when popped.
  std::array<std::deque<uint64_t>, priority_count> ready_;
  std::unordered_map<esl_mac, int> awaiting_handoff_; ///< answers still expected
  timer_queue timers_;
  int64_t next_tick_us_ = INT64_MAX; ///< earliest tick already asked for
};

} // namespace shelfwire
