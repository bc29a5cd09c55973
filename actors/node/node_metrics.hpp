#pragma once

#include <array>

#include "runtime/command/outcome.hpp"
#include "runtime/metrics/registry.hpp"

namespace shelfwire {

/// The node-level metrics every actor updates, looked up once by name. The
/// names are the public contract of `metrics.topic` snapshots and of the
/// inspector (docs/operations.md).
struct node_metrics {
  explicit node_metrics(metrics::registry& reg);

  metrics::registry& registry;

  // commands (supervisors)
  metrics::counter& commands_accepted;
  metrics::counter& commands_started;
  metrics::counter& commands_restarts;
  metrics::counter& commands_queued_behind_esl; ///< waited for an earlier command of the same ESL
  std::array<metrics::counter*, outcome_status_count> outcomes; ///< indexed by outcome_status
  metrics::gauge& commands_pending;                             ///< accepted, not ended
  metrics::gauge& commands_in_flight;                           ///< command actor running
  metrics::histogram& latency_backbone_us;   ///< first dispatch -> deciding reply
  metrics::histogram& latency_end_to_end_us; ///< accepted -> outcome

  // gateway responses (ingress, supervisors, command actors)
  metrics::counter& replies_received;
  metrics::counter& replies_malformed;
  metrics::counter& replies_bad_token;
  metrics::counter& replies_foreign;   ///< token minted by another node incarnation
  metrics::counter& replies_legacy;    ///< no token
  metrics::counter& replies_delivered; ///< handed to a live command actor
  metrics::counter& replies_late;      ///< command already ended
  metrics::counter& replies_unknown;   ///< legacy reply for an ESL with no command in flight
  metrics::counter& replies_duplicate; ///< second answer to one attempt
  metrics::counter& replies_stray;     ///< from a gateway/attempt the command did not use
  metrics::counter& replies_esl_mismatch;
  metrics::counter& replies_crossed;          ///< handed to a command held by another node
  metrics::counter& replies_dropped_naive;    ///< naive mode: held by another node, dropped
  metrics::counter& replies_forwarded_legacy; ///< legacy reply sent on to the previous owner

  // routers
  metrics::counter& router_dispatched;
  metrics::counter& router_no_route;
  metrics::counter& router_unavailable;
  metrics::counter& router_warming; ///< no route while the table was being rebuilt: asked again
  metrics::counter& router_publish_failed;
  metrics::counter& router_handed_back; ///< reached a router taken out of the pool: sent back
  metrics::counter& router_scaled;      ///< pool resizes (shelfwire-inspect scale)
  metrics::gauge& router_pool_size;
  metrics::histogram& router_lookup_us;

  // routing manager (status)
  metrics::counter& status_received;
  metrics::counter& status_malformed;
  metrics::counter& status_gw_mismatch;
  metrics::counter& status_adverts;
  metrics::counter& status_skipped_adverts;
  metrics::counter& status_adverts_dropped;  ///< could not be written (Redis down)
  metrics::counter& status_adverts_applied;  ///< written to the RSSI table
  metrics::counter& status_adverts_replayed; ///< kept during a Redis outage, written after
  metrics::gauge& status_backlog_adverts;    ///< kept now, waiting for Redis
  metrics::counter& status_flushes;

  // jobs (intake, coordinators)
  metrics::counter& jobs_received;
  metrics::counter& jobs_accepted;
  metrics::counter& jobs_rejected;
  metrics::counter& jobs_rejections_suppressed; ///< rejections not published (rate limit)
  metrics::counter& jobs_duplicate;
  metrics::counter& jobs_completed;
  metrics::counter& jobs_result_retries;
  metrics::gauge& jobs_in_flight;
  metrics::counter& jobs_redispatched;   ///< commands sent again after their owner died
  metrics::counter& jobs_stale_outcomes; ///< outcome from a shard the command was taken from
  metrics::counter& jobs_held_back; ///< sent only after the ESL's earlier command at another shard
  metrics::counter& jobs_forwarded; ///< submissions sent on to the job's home member
  metrics::counter& jobs_receipts;  ///< receipts published (again for resubmissions)
  metrics::counter& jobs_results_again; ///< kept results published again (resubmission)
  metrics::counter& jobs_no_standby;    ///< jobs accepted with no member to hold a copy
  metrics::counter& jobs_taken_over;    ///< jobs this node took over from their coordinator
  metrics::counter& jobs_handed_over;   ///< jobs handed to their standby on leaving
  metrics::counter& jobs_replicated;    ///< outcome batches sent to standbys
  metrics::counter& jobs_adopted;       ///< commands found still held by shards at a takeover
  metrics::counter& jobs_dead_letters;  ///< dead letters published
  metrics::counter& jobs_aborted;       ///< jobs that reached their abort_threshold
  metrics::gauge& jobs_standby;         ///< jobs held here as standby
  metrics::gauge& jobs_results_kept;    ///< finished jobs' results kept for resubmission
  metrics::gauge& jobs_results_kept_bytes;
  metrics::histogram& jobs_takeover_us; ///< coordinator gone -> commands sent again

  // cluster
  metrics::gauge& cluster_members; ///< live members, this node included
  metrics::counter& cluster_joins;
  metrics::counter& cluster_downs;
  metrics::counter& cluster_refused;          ///< joins refused: a name held by a live member
  metrics::counter& inspect_refused;          ///< inspector view requests refused (token)
  metrics::gauge& cluster_tls;                ///< 1: the cluster link is mutual TLS
  metrics::gauge& cluster_insecure;           ///< 1: plain TCP beyond loopback (cluster.insecure)
  metrics::counter& cluster_handoffs;         ///< waited for a previous owner
  metrics::counter& cluster_handoff_timeouts; ///< ... and gave up waiting
  metrics::histogram& cluster_hop_us;         ///< reply forwarded by another node -> its supervisor

  metrics::counter& outcome(outcome_status s) { return *outcomes[static_cast<size_t>(s)]; }
};

} // namespace shelfwire
