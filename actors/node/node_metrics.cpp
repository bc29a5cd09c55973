#include "actors/node/node_metrics.hpp"

#include <string>

namespace shelfwire {

node_metrics::node_metrics(metrics::registry& reg)
    : registry(reg)
    , commands_accepted(reg.get_counter("commands.accepted"))
    , commands_started(reg.get_counter("commands.started"))
    , commands_restarts(reg.get_counter("commands.restarts"))
    , commands_queued_behind_esl(reg.get_counter("commands.queued_behind_esl"))
    , outcomes{}
    , commands_pending(reg.get_gauge("commands.pending"))
    , commands_in_flight(reg.get_gauge("commands.in_flight"))
    , latency_backbone_us(reg.get_histogram("latency.backbone_us"))
    , latency_end_to_end_us(reg.get_histogram("latency.end_to_end_us"))
    , replies_received(reg.get_counter("replies.received"))
    , replies_malformed(reg.get_counter("replies.malformed"))
    , replies_bad_token(reg.get_counter("replies.bad_token"))
    , replies_foreign(reg.get_counter("replies.foreign"))
    , replies_legacy(reg.get_counter("replies.legacy"))
    , replies_delivered(reg.get_counter("replies.delivered"))
    , replies_late(reg.get_counter("replies.late"))
    , replies_unknown(reg.get_counter("replies.unknown"))
    , replies_duplicate(reg.get_counter("replies.duplicate"))
    , replies_stray(reg.get_counter("replies.stray"))
    , replies_esl_mismatch(reg.get_counter("replies.esl_mismatch"))
    , router_dispatched(reg.get_counter("router.dispatched"))
    , router_no_route(reg.get_counter("router.no_route"))
    , router_unavailable(reg.get_counter("router.unavailable"))
    , router_publish_failed(reg.get_counter("router.publish_failed"))
    , router_lookup_us(reg.get_histogram("router.lookup_us"))
    , status_received(reg.get_counter("status.received"))
    , status_malformed(reg.get_counter("status.malformed"))
    , status_gw_mismatch(reg.get_counter("status.gw_mismatch"))
    , status_adverts(reg.get_counter("status.adverts"))
    , status_skipped_adverts(reg.get_counter("status.skipped_adverts"))
    , status_adverts_dropped(reg.get_counter("status.adverts_dropped"))
    , status_adverts_applied(reg.get_counter("status.adverts_applied"))
    , status_flushes(reg.get_counter("status.flushes"))
    , jobs_received(reg.get_counter("jobs.received"))
    , jobs_accepted(reg.get_counter("jobs.accepted"))
    , jobs_rejected(reg.get_counter("jobs.rejected"))
    , jobs_duplicate(reg.get_counter("jobs.duplicate"))
    , jobs_completed(reg.get_counter("jobs.completed"))
    , jobs_result_retries(reg.get_counter("jobs.result_retries"))
    , jobs_in_flight(reg.get_gauge("jobs.in_flight")) {
  for (auto st : all_outcome_statuses)
    outcomes[static_cast<size_t>(st)] = &reg.get_counter("outcomes." + std::string{to_string(st)});
}

} // namespace shelfwire
