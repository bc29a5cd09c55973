#include "runtime/metrics/catalog.hpp"

#include <stdexcept>

#include "runtime/core/text.hpp"

namespace shelfwire::metrics {

namespace {

using k = metric_kind;
constexpr auto scrape = metric_source::scrape;

// clang-format off
const std::vector<metric_def> table = {
  // commands (supervisors, command actors)
  {"commands.accepted", k::counter, "commands", "Commands accepted by this node's supervisors (each ends in exactly one outcome)."},
  {"outcomes.{outcome}", k::counter, "commands", "Commands ended, by outcome (acked, nacked, timed_out, unroutable, failed, superseded, aborted)."},
  {"commands.started", k::counter, "actors", "Command actors started (one per command; restarts count again)."},
  {"commands.restarts", k::counter, "actors", "Command actors restarted by their supervisor after a crash."},
  {"commands.queued_behind_esl", k::counter, "commands", "Commands that waited for an earlier command of the same ESL (one command in flight per ESL)."},
  {"commands.pending", k::gauge, "commands", "Commands accepted and not yet ended."},
  {"commands.in_flight", k::gauge, "commands", "Commands whose actor is running."},
  {"commands.state.{state}", k::gauge, "commands", "Command actors and waiting commands by state (what shelfwire-inspect node shows).", scrape},
  {"latency.backbone_us", k::histogram, "seconds", "First dispatch of a command to the reply that decided it (acked or nacked)."},
  {"latency.end_to_end_us", k::histogram, "seconds", "Command accepted to its outcome."},
  // gateway replies
  {"replies.received", k::counter, "messages", "Gateway responses received."},
  {"replies.malformed", k::counter, "messages", "Gateway responses that could not be parsed (counted, logged throttled, dropped)."},
  {"replies.bad_token", k::counter, "messages", "Responses whose reply token failed its MAC check."},
  {"replies.foreign", k::counter, "messages", "Responses with a token minted by another node incarnation."},
  {"replies.legacy", k::counter, "messages", "Responses without a reply token."},
  {"replies.delivered", k::counter, "messages", "Responses handed to a live command actor."},
  {"replies.late", k::counter, "messages", "Responses for a command that had already ended."},
  {"replies.unknown", k::counter, "messages", "Token-less responses for an ESL with no command in flight."},
  {"replies.duplicate", k::counter, "messages", "Second answers to one attempt."},
  {"replies.stray", k::counter, "messages", "Responses from a gateway or attempt the command did not use."},
  {"replies.esl_mismatch", k::counter, "messages", "Responses naming another ESL than the command's."},
  {"replies.crossed", k::counter, "messages", "Responses received here for a command held by another node (sent on by CAF addressing)."},
  {"replies.dropped_naive", k::counter, "messages", "cluster.reply-routing = naive: responses for another node's command, dropped."},
  {"replies.forwarded_legacy", k::counter, "messages", "Token-less responses sent on to the ESL's previous owner."},
  // routers
  {"router.dispatched", k::counter, "actions", "Actions published to a gateway by the routers."},
  {"router.no_route", k::counter, "lookups", "Lookups that found no fresh route for the ESL."},
  {"router.unavailable", k::counter, "lookups", "Lookups that failed because Redis did not answer."},
  {"router.warming", k::counter, "lookups", "Lookups without a route while the routing table was being rebuilt (asked again)."},
  {"router.publish_failed", k::counter, "actions", "Actions the MQTT client refused to publish."},
  {"router.handed_back", k::counter, "messages", "Requests that reached a router taken out of the pool and were sent back."},
  {"router.scaled", k::counter, "resizes", "Router pool resizes (shelfwire-inspect scale)."},
  {"router.pool_size", k::gauge, "routers", "Routers in the pool."},
  {"router.lookup_us", k::histogram, "seconds", "Router lookup of an ESL's gateways in the RSSI table."},
  {"router.{router}.mailbox", k::gauge, "messages", "Messages waiting in each router's mailbox (CAF's approximate count).", scrape},
  // gateway flow control (windows, breakers, load-aware routing)
  {"gateway.waited", k::counter, "attempts", "Attempts that waited for a gateway window."},
  {"gateway.rerouted", k::counter, "attempts", "Waiting attempts sent back to routing because their gateway went down."},
  {"gateway.breaker_trips", k::counter, "events", "Gateway breakers opened (up -> down), all gateways."},
  {"gateway.breaker_recoveries", k::counter, "events", "Gateway breakers closed again (an answer), all gateways."},
  {"gateway.busy_nacks", k::counter, "replies", "Busy NACKs (code 2), all gateways."},
  {"gateway.silent_attempts", k::counter, "attempts", "Attempts no gateway answered, all gateways."},
  {"gateway.window_sends", k::counter, "actions", "Waiting actions sent when a window slot freed."},
  {"gateway.window_send_failed", k::counter, "actions", "Waiting actions the MQTT client refused when their slot freed."},
  {"gateway.waiting", k::gauge, "actions", "Actions waiting in this node for a gateway window."},
  {"gateway.in_flight", k::gauge, "actions", "Actions in flight at gateways from this node."},
  {"gateway.down", k::gauge, "gateways", "Gateways whose breaker is down."},
  {"routing.balanced", k::counter, "actions", "Actions sent to a runner-up gateway because the strongest had no free window."},
  {"routing.avoided_down", k::counter, "actions", "Actions that skipped a down gateway."},
  {"routing.all_down", k::counter, "lookups", "Picks refused because every usable gateway was down (the command backs off)."},
  {"gw.{gw}.window", k::gauge, "actions", "Per gateway: the window (actions this node may have in flight there).", scrape},
  {"gw.{gw}.in_flight", k::gauge, "actions", "Per gateway: actions in flight.", scrape},
  {"gw.{gw}.waiting", k::gauge, "actions", "Per gateway: actions waiting for its window.", scrape},
  {"gw.{gw}.breaker", k::gauge, "1", "Per gateway: 1 for the breaker's current state (up, down, probing), 0 for the others.", scrape, "state"},
  {"gw.{gw}.sent", k::counter, "actions", "Per gateway: actions sent.", scrape},
  {"gw.{gw}.acks", k::counter, "replies", "Per gateway: ACKs.", scrape},
  {"gw.{gw}.nacks", k::counter, "replies", "Per gateway: NACKs other than busy.", scrape},
  {"gw.{gw}.busy", k::counter, "replies", "Per gateway: busy NACKs.", scrape},
  {"gw.{gw}.silent", k::counter, "attempts", "Per gateway: attempts it did not answer.", scrape},
  {"gw.{gw}.breaker_trips", k::counter, "events", "Per gateway: breaker trips.", scrape},
  // gateway status (routing table writers)
  {"status.received", k::counter, "messages", "Gateway status reports received."},
  {"status.malformed", k::counter, "messages", "Status reports that could not be parsed (counted, logged throttled, dropped)."},
  {"status.gw_mismatch", k::counter, "messages", "Status reports whose topic and payload name different gateways."},
  {"status.adverts", k::counter, "adverts", "ESL adverts (gateway heard ESL at RSSI) in status reports."},
  {"status.skipped_adverts", k::counter, "adverts", "Adverts skipped (malformed entries)."},
  {"status.adverts_dropped", k::counter, "adverts", "Adverts that could not be written (Redis down, backlog full)."},
  {"status.adverts_applied", k::counter, "adverts", "Adverts written to the RSSI table."},
  {"status.adverts_replayed", k::counter, "adverts", "Adverts kept during a Redis outage and written after it."},
  {"status.backlog_adverts", k::gauge, "adverts", "Adverts kept now, waiting for Redis."},
  {"status.flushes", k::counter, "writes", "Batched writes of adverts to the RSSI table."},
  // jobs (intake, coordinators, standbys)
  {"jobs.received", k::counter, "jobs", "Job submissions received."},
  {"jobs.accepted", k::counter, "jobs", "Jobs accepted (a receipt was published)."},
  {"jobs.rejected", k::counter, "jobs", "Job submissions rejected (malformed, too large...)."},
  {"jobs.rejections_suppressed", k::counter, "jobs", "Rejections not published (rate limit)."},
  {"jobs.duplicate", k::counter, "jobs", "Submissions of a job id the cluster already holds."},
  {"jobs.completed", k::counter, "jobs", "Jobs whose result was published."},
  {"jobs.result_retries", k::counter, "publishes", "Result publications retried."},
  {"jobs.in_flight", k::gauge, "jobs", "Jobs coordinated here and not finished."},
  {"jobs.redispatched", k::counter, "commands", "Commands sent again after their owner died."},
  {"jobs.stale_outcomes", k::counter, "outcomes", "Outcomes from a shard the command had been taken from (ignored)."},
  {"jobs.held_back", k::counter, "commands", "Commands sent only after the ESL's earlier command at another shard ended."},
  {"jobs.forwarded", k::counter, "jobs", "Submissions sent on to the job's home member."},
  {"jobs.receipts", k::counter, "messages", "Receipts published (again for resubmissions)."},
  {"jobs.results_again", k::counter, "messages", "Kept results published again (resubmission of a finished job)."},
  {"jobs.no_standby", k::counter, "jobs", "Jobs accepted with no other member to hold a copy."},
  {"jobs.taken_over", k::counter, "jobs", "Jobs this node took over from a coordinator that died."},
  {"jobs.handed_over", k::counter, "jobs", "Jobs handed to their standby when this node left."},
  {"jobs.replicated_batches", k::counter, "messages", "Outcome batches sent to standbys."},
  {"jobs.adopted_commands", k::counter, "commands", "Commands found still held by shards at a takeover."},
  {"jobs.dead_letters", k::counter, "messages", "Dead letters published (commands that ended other than acked)."},
  {"jobs.aborted", k::counter, "jobs", "Jobs that reached their abort_threshold."},
  {"jobs.standby", k::gauge, "jobs", "Jobs held here as standby copies."},
  {"jobs.results_kept", k::gauge, "jobs", "Finished jobs' results kept for resubmission."},
  {"jobs.results_kept_bytes", k::gauge, "bytes", "Size of the kept results."},
  {"jobs.takeover_us", k::histogram, "seconds", "Coordinator gone to its commands sent again by the standby."},
  // cluster
  {"cluster.members", k::gauge, "members", "Live cluster members, this node included."},
  {"cluster.joins", k::counter, "events", "Members that joined."},
  {"cluster.downs", k::counter, "events", "Members that went down or left."},
  {"cluster.refused", k::counter, "events", "Joins refused: a name held by a live member."},
  {"cluster.tls", k::gauge, "1", "1 while the cluster link is mutual TLS."},
  {"cluster.insecure", k::gauge, "1", "1 when the cluster endpoint is plain TCP beyond loopback (cluster.insecure)."},
  {"cluster.handoffs", k::counter, "events", "ESLs whose new owner waited for the previous owner's command."},
  {"cluster.handoff_timeouts", k::counter, "events", "... and gave up waiting."},
  {"cluster.hop_us", k::histogram, "seconds", "A reply forwarded by another node to its command's supervisor here."},
  {"inspect.refused", k::counter, "requests", "Inspector requests refused (token)."},
  // links
  {"mqtt.{client}.up", k::gauge, "1", "1 while the MQTT connection is up."},
  {"mqtt.{client}.connects", k::counter, "events", "Successful MQTT connects."},
  {"mqtt.{client}.reconnects", k::counter, "events", "MQTT reconnect attempts after a lost connection."},
  {"mqtt.{client}.published", k::counter, "messages", "Messages published."},
  {"mqtt.{client}.publish_failed", k::counter, "messages", "Publishes paho refused."},
  {"mqtt.{client}.received", k::counter, "messages", "Messages received."},
  {"mqtt.{client}.unmatched", k::counter, "messages", "Messages received that matched no subscription."},
  {"mqtt.{client}.delivery_complete", k::counter, "messages", "QoS 1 publishes acknowledged by the broker (tracked clients only)."},
  {"redis.{connection}.up", k::gauge, "1", "1 while the Redis connection is up."},
  {"redis.{connection}.commands", k::counter, "commands", "Redis commands sent."},
  {"redis.{connection}.pipelines", k::counter, "writes", "Redis pipelines (one write, many commands)."},
  {"redis.{connection}.errors", k::counter, "events", "Redis I/O errors (the connection is reset)."},
  {"redis.{connection}.reconnects", k::counter, "events", "Redis reconnects."},
  // the node
  {"node.info", k::gauge, "1", "Always 1; labels: the node's name and incarnation.", scrape, "node,incarnation"},
  {"node.ready", k::gauge, "1", "1 while /readyz answers 200 (broker subscribed, Redis answers, cluster joined).", scrape},
  {"node.up_since_seconds", k::gauge, "seconds", "When the node started (Unix time).", scrape},
  {"http.unauthorized", k::counter, "requests", "Requests to metrics.listen refused for a missing or wrong metrics.token.", scrape},
  {"actors.running", k::gauge, "actors", "Actors running in the node's actor system (CAF's registry).", scrape},
  {"actors.{kind}", k::gauge, "actors", "Actors by kind (command actors, routers, job coordinators, ...).", scrape},
};
// clang-format on

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos)
      return out;
    start = dot + 1;
  }
}

bool is_label(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

} // namespace

std::string_view to_string(metric_kind kind) {
  switch (kind) {
  case metric_kind::counter:
    return "counter";
  case metric_kind::gauge:
    return "gauge";
  default:
    return "histogram";
  }
}

const std::vector<metric_def>& node_catalog() {
  return table;
}

/// The table's names split into segments, once (every scrape matches every
/// registry name against them).
static const std::vector<std::vector<std::string_view>>& table_segments() {
  static const auto segments = [] {
    std::vector<std::vector<std::string_view>> out;
    for (auto& d : table)
      out.push_back(split(d.name));
    return out;
  }();
  return segments;
}

std::optional<catalog_match> find_metric(std::string_view dotted) {
  auto parts = split(dotted);
  auto& segments = table_segments();
  for (size_t k = 0; k < table.size(); ++k) {
    auto& d = table[k];
    auto& pat = segments[k];
    if (pat.size() != parts.size())
      continue;
    catalog_match m;
    m.def = &d;
    bool ok = true;
    for (size_t i = 0; ok && i < pat.size(); ++i) {
      if (is_label(pat[i])) {
        ok = !parts[i].empty();
        m.labels.emplace_back(std::string{pat[i].substr(1, pat[i].size() - 2)},
                              std::string{parts[i]});
      } else {
        ok = pat[i] == parts[i];
      }
    }
    if (ok)
      return m;
  }
  return std::nullopt;
}

const metric_def* find_def(std::string_view pattern) {
  for (auto& d : table)
    if (d.name == pattern)
      return &d;
  return nullptr;
}

std::string prometheus_name(const metric_def& d) {
  if (d.name == "outcomes.{outcome}")
    return "shelfwire_commands_total";
  std::string out = "shelfwire";
  for (auto seg : split(d.name))
    if (!is_label(seg))
      out += "_" + std::string{seg};
  if (d.kind == metric_kind::histogram && ends_with(out, "_us"))
    out = out.substr(0, out.size() - 3) + "_seconds";
  if (d.kind == metric_kind::counter)
    out += "_total";
  return out;
}

std::vector<std::string> label_names(const metric_def& d) {
  std::vector<std::string> out;
  for (auto seg : split(d.name))
    if (is_label(seg))
      out.emplace_back(seg.substr(1, seg.size() - 2));
  auto extra = d.extra_labels;
  while (!extra.empty()) {
    auto comma = extra.find(',');
    out.emplace_back(extra.substr(0, comma));
    extra = comma == std::string_view::npos ? std::string_view{} : extra.substr(comma + 1);
  }
  return out;
}

void check_declared(std::string_view dotted, metric_kind kind) {
  auto m = find_metric(dotted);
  if (!m || m->def->source != metric_source::registry)
    throw std::logic_error("metric '" + std::string{dotted} +
                           "' is not declared in runtime/metrics/catalog.cpp: declare it there "
                           "(name, type, unit, help), then regenerate docs/metrics.md");
  if (m->def->kind != kind)
    throw std::logic_error("metric '" + std::string{dotted} + "' is declared as a " +
                           std::string{to_string(m->def->kind)} + ", used as a " +
                           std::string{to_string(kind)});
}

} // namespace shelfwire::metrics
