#include "config/node_config.hpp"

#include <unistd.h>

#include <climits>
#include <cstdio>

#include "config/node_keys.hpp"
#include "config/validators.hpp"
#include "runtime/core/loopback.hpp"

namespace shelfwire::config {

namespace {

const std::vector<std::string>& log_levels() {
  static const std::vector<std::string> levels = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
  return levels;
}

namespace v = validators;
using namespace node_keys;

// One function per section, each declaring its section and its keys (and the
// secrets and cross-key rules among them) in the order --help, --dump-config,
// config/shelfwire.ini and docs/configuration.md list them. The links'
// sections (mqtt, redis, cluster, inspect) are in node_link_keys.cpp.

void add_node_keys(schema<node_options>& s) {
  s.add_section("node", "Identity and shutdown of this process.");
  s.string(
      "node.name", [](auto& o) -> auto& { return o.name; },
      "Identifies the node in logs, metrics and results; empty means \"<hostname>-<pid>\".",
      "at most 64 of A-Z a-z 0-9 . _ -", v::name("._-", 0, 64));
  s.integer(
      "node.drain-timeout-ms", [](auto& o) -> auto& { return o.drain_timeout_ms; }, 0, 10 * minute,
      "On SIGTERM, how long in-flight commands may finish before they end failed "
      "(reason \"shutdown\").");
}

void add_scheduler_keys(schema<node_options>& s) {
  s.add_section("scheduler", "The CAF actor scheduler.");
  s.integer(
      "scheduler.threads", [](auto& o) -> auto& { return o.scheduler_threads; }, 0, 256,
      "Scheduler worker threads; 0 means half the CPU cores, at least one (the actors' work is "
      "small; paho's receive and send threads and the routers run beside them, and every "
      "further worker adds thread wake-ups per command: docs/experiments.md).");
  s.enumeration(
      "scheduler.policy", [](auto& o) -> auto& { return o.scheduler_policy; },
      {"stealing", "sharing"},
      "Scheduling policy: sharing (one queue; idle threads sleep until work arrives) or "
      "stealing (per-thread queues; idle threads poll with short sleeps, which costs CPU on "
      "small machines and when several nodes share one).");
}

void add_log_keys(schema<node_options>& s) {
  s.add_section("log", "Logging (spdlog).");
  s.enumeration(
      "log.level", [](auto& o) -> auto& { return o.log.level; }, log_levels(),
      "Default level of every module.");
  s.string(
      "log.module-levels", [](auto& o) -> auto& { return o.log.module_levels; },
      "Per-module levels overriding log.level, e.g. \"mqtt=debug,redis=warn\"; empty for "
      "none.",
      "'module=level,...' with levels trace, debug, info, warn, error, critical, off",
      v::module_levels(log_levels()));
  s.string(
      "log.file", [](auto& o) -> auto& { return o.log.file; },
      "Log file (appended to); empty logs to stderr.");
  s.enumeration(
      "log.format", [](auto& o) -> auto& { return o.log.format; }, {"text", "json"},
      "text: one human-readable line per entry; json: one JSON object per line (time, level, "
      "node, module, message, and job / command / esl ids when the entry names them), for log "
      "collectors (docs/operations.md).");
}

bool one_endpoint(std::string_view s) {
  return s.empty() || (v::endpoint_list(s) && s.find(',') == std::string_view::npos &&
                       s.find_first_not_of(' ') != std::string_view::npos);
}

void add_metrics_keys(schema<node_options>& s) {
  s.add_section("metrics",
                "Metrics snapshots and the HTTP endpoint (Prometheus, health, readiness).");
  s.integer(
      "metrics.interval-ms", [](auto& o) -> auto& { return o.metrics_interval_ms; }, 0, hour,
      "Log (and publish) a metrics snapshot this often; 0 disables snapshots.");
  s.string(
      "metrics.topic", [](auto& o) -> auto& { return o.metrics_topic; },
      "Snapshots are published as JSON on {topic}/{node} (QoS 0, retained; cleared at a clean "
      "exit); empty: not published.",
      std::string{topic_legal} + " (may be empty)", v::topic(true));
  s.string(
      "metrics.listen", [](auto& o) -> auto& { return o.metrics_listen; },
      "host:port of the node's HTTP endpoint: /metrics (Prometheus text format), /healthz "
      "(alive), /readyz (200 while broker, Redis and cluster are up; 503 naming what is "
      "missing); empty: no endpoint.",
      "empty, or one host:port (IPv6 in brackets), port 1-65535", one_endpoint);
  s.string(
      "metrics.token", [](auto& o) -> auto& { return o.metrics_token; },
      "Bearer token every request to metrics.listen must carry (Authorization: Bearer ...); "
      "empty: none is asked, which is allowed only on a loopback address or with "
      "metrics.insecure.");
  s.mark_secret("metrics.token");
  s.boolean(
      "metrics.insecure", [](auto& o) -> auto& { return o.metrics_insecure; },
      "Allow metrics.listen beyond loopback without metrics.token (anyone who reaches the port "
      "reads the node's metrics).");
  s.add_rule({{"metrics.listen", "metrics.token", "metrics.insecure"},
              "beyond loopback, metrics.token unless metrics.insecure = true",
              [](const settings& st) -> std::optional<config_error> {
                auto listen = st.string("metrics.listen");
                auto colon = listen.rfind(':');
                auto host = colon == std::string::npos ? listen : listen.substr(0, colon);
                if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
                  host = host.substr(1, host.size() - 2);
                if (listen.empty() || !st.string("metrics.token").empty() ||
                    st.boolean("metrics.insecure") || is_loopback(host))
                  return std::nullopt;
                return config_error{
                    "metrics.token",
                    "metrics.token: must be set when metrics.listen is beyond loopback (got "
                    "metrics.listen = '" +
                        listen + "', " + st.origin("metrics.listen") +
                        "), or set metrics.insecure = true to let anyone who reaches it read "
                        "the node's metrics"};
              }});
}

void add_presence_keys(schema<node_options>& s) {
  s.add_section("presence", "Node presence on MQTT (who is up, as the broker sees it).");
  s.string(
      "presence.topic", [](auto& o) -> auto& { return o.presence_topic; },
      "The node announces itself on {topic}/{node} (retained JSON, state online); its MQTT "
      "last will turns that into offline when it dies, and a clean exit publishes offline and "
      "clears its retained metrics snapshot; empty: no presence.",
      std::string{topic_legal} + " (may be empty)", v::topic(true));
}

void add_gateway_keys(schema<node_options>& s) {
  s.add_section("gateway", "The southbound side: the gateway contract topics.");
  s.string(
      "gateway.topic-prefix", [](auto& o) -> auto& { return o.gateway.topic_prefix; },
      "Topic prefix of the gateway contract: {prefix}/{gw}/action|response|status.",
      "a non-empty MQTT topic without '+', '#' or a trailing '/'", v::topic(false));
  s.integer(
      "gateway.response-consumers", [](auto& o) -> auto& { return o.gateway.response_consumers; },
      1, 64, "MQTT connections per node that take gateway responses (shared subscription).");
  s.string(
      "gateway.response-share-group",
      [](auto& o) -> auto& { return o.gateway.response_share_group; },
      "Shared-subscription group for responses: $share/{group}/{prefix}/+/response.", group_legal,
      v::share_group);
  s.boolean(
      "gateway.flow-control", [](auto& o) -> auto& { return o.gateway.flow.enabled; },
      "Per-gateway windows: at most a window of actions in flight per gateway from this node "
      "(grows while ACKs come back without queueing at the gateway, shrinks when they queue, "
      "halves on busy NACKs and silence); more wait in the node, "
      "their attempt timer not running (docs/gateways.md). false = every action at once.");
  s.integer(
      "gateway.window-initial", [](auto& o) -> auto& { return o.gateway.flow.window_initial; }, 1,
      100'000, "A gateway's window when this node first sends to it.");
  s.integer(
      "gateway.window-min", [](auto& o) -> auto& { return o.gateway.flow.window_min; }, 1, 100'000,
      "The smallest a window shrinks to.");
  s.integer(
      "gateway.window-max", [](auto& o) -> auto& { return o.gateway.flow.window_max; }, 1, 100'000,
      "The largest a window grows to: this node's actions in flight per gateway, at most "
      "(each member of a cluster has its own).");
  s.integer(
      "gateway.breaker-silent-attempts",
      [](auto& o) -> auto& { return o.gateway.flow.breaker_silent_attempts; }, 0, 1000,
      "Silent attempts in a row (no answer within the attempt timeout) that mark a gateway "
      "down: new commands go to the runner-up until a probe after the cool-down is answered. "
      "0 = no breaker.");
  s.integer(
      "gateway.breaker-cool-down-ms",
      [](auto& o) -> auto& { return o.gateway.flow.breaker_cool_down_ms; }, 10, day,
      "How long a down gateway gets no new commands before one command probes it.");
  s.require_at_least("gateway.window-max", "gateway.window-min");
  s.require_at_least("gateway.window-initial", "gateway.window-min");
  s.require_at_least("gateway.window-max", "gateway.window-initial");
}

void add_routing_keys(schema<node_options>& s) {
  s.add_section("routing", "The routing manager (gateway status to RSSI table) and the table.");
  s.boolean(
      "routing.consume", [](auto& o) -> auto& { return o.routing.consume; },
      "Consume gateway status reports on this node.");
  s.integer(
      "routing.consumers", [](auto& o) -> auto& { return o.routing.consumers; }, 1, 64,
      "MQTT connections (each with its own consumer actor) in the status share group.");
  s.string(
      "routing.share-group", [](auto& o) -> auto& { return o.routing.share_group; },
      "Shared-subscription group for status: $share/{group}/{prefix}/+/status.", group_legal,
      v::share_group);
  s.integer(
      "routing.stale-after-ms", [](auto& o) -> auto& { return o.route_table.stale_after_ms; }, 100,
      day, "A gateway entry not refreshed for this long is not used for routing.");
  s.integer(
      "routing.forget-after-ms", [](auto& o) -> auto& { return o.route_table.forget_after_ms; },
      100, 30 * day, "An ESL heard by no gateway for this long disappears from Redis (key TTL).");
  s.integer(
      "routing.max-candidates", [](auto& o) -> auto& { return o.route_table.max_candidates; }, 1,
      16, "Gateways kept per ESL: the best plus runner-ups tried on retries.");
  s.integer(
      "routing.batch-max-adverts", [](auto& o) -> auto& { return o.routing.batch_max_adverts; }, 1,
      100'000, "Flush adverts to Redis when this many are buffered...");
  s.integer(
      "routing.flush-interval-ms", [](auto& o) -> auto& { return o.routing.flush_interval_ms; }, 1,
      10 * second, "...or when the oldest buffered advert is this old.");
  s.integer(
      "routing.warmup-ms", [](auto& o) -> auto& { return o.route_table.warmup_ms; }, 0, day,
      "After Redis lost the table (restart, flush), a missing route means 'not reported again "
      "yet' for this long: commands wait and ask again (up to their deadline) instead of ending "
      "unroutable. At least one gateway status interval; 0 = off.");
  s.integer(
      "routing.outage-buffer-adverts",
      [](auto& o) -> auto& { return o.routing.outage_buffer_adverts; }, 0, 10'000'000,
      "Adverts a status consumer keeps while Redis is unreachable, written when it returns "
      "(oldest dropped first; none older than routing.stale-after-ms).");
  s.integer(
      "routing.outage-retry-ms", [](auto& o) -> auto& { return o.routing.outage_retry_ms; }, 10,
      60 * second, "How often a status consumer holding kept adverts tries Redis again.");
  s.integer(
      "routing.balance-margin-db",
      [](auto& o) -> auto& { return o.gateway.flow.balance_margin_db; }, 0, 60,
      "Load-aware routing: when a command's strongest gateway has no free window, the "
      "candidate with the most free window among those whose RSSI is within this of the "
      "strongest is used (with gateway.flow-control); outside the margin RSSI decides. 0 = "
      "always the strongest.");
  s.require_at_least("routing.forget-after-ms", "routing.stale-after-ms");
}

void add_routers_keys(schema<node_options>& s) {
  s.add_section("routers", "The router actor pool (ESL to best gateway).");
  s.integer(
      "routers.pool-size", [](auto& o) -> auto& { return o.routers.pool_size; }, 0, 256,
      "Router actors in the pool (round robin); each has its own thread and Redis connection. "
      "0 means half the CPU cores, at least one (one router batches every lookup that queued "
      "during its Redis round trip; more routers than cores only add thread wake-ups: "
      "docs/experiments.md).");
  s.integer(
      "routers.lookup-timeout-ms", [](auto& o) -> auto& { return o.routers.lookup_timeout_ms; }, 10,
      minute,
      "How long a command waits for its router's answer (route lookup and publish) before it "
      "treats routing as unavailable and backs off.");
  s.integer(
      "routers.lookup-batch-max", [](auto& o) -> auto& { return o.routers.lookup_batch_max; }, 1,
      10'000, "Most ESL lookups sent to Redis in one pipeline.");
}

void add_commands_keys(schema<node_options>& s) {
  s.add_section("commands", "Command actors, their supervisors and the retry policy.");
  s.integer(
      "commands.supervisors", [](auto& o) -> auto& { return o.commands.supervisors; }, 1, 256,
      "Supervisor shards per node; an ESL always maps to the same shard (one command in "
      "flight per ESL, in order).");
  s.integer(
      "commands.max-attempts", [](auto& o) -> auto& { return o.commands.retry.max_attempts; }, 1,
      16, "Actions published for one command, at most (first try included).");
  s.integer(
      "commands.attempt-timeout-ms",
      [](auto& o) -> auto& { return o.commands.retry.attempt_timeout_ms; }, 10, 10 * minute,
      "How long one attempt waits for the gateway's answer; also the ttl the gateway "
      "receives.");
  s.integer(
      "commands.timeout-ms", [](auto& o) -> auto& { return o.commands.retry.timeout_ms; }, 10, day,
      "Overall deadline of a command, from acceptance to outcome.");
  s.boolean(
      "commands.retry-same-gateway",
      [](auto& o) -> auto& { return o.commands.retry.retry_same_gateway; },
      "When every fresh candidate was tried, try the preferred gateway again (true) or end "
      "timed_out (false).");
  s.integer_list(
      "commands.retry-on-codes", [](auto& o) -> auto& { return o.commands.retry.retry_on_codes; },
      0, 255,
      "NACK codes that retry through the next candidate gateway instead of ending "
      "nacked (1 not in range, 2 busy).");
  s.integer(
      "commands.unavailable-backoff-ms",
      [](auto& o) -> auto& { return o.commands.retry.unavailable_backoff_ms; }, 1, minute,
      "First wait before asking the routers again when routing is unavailable (Redis or broker "
      "down); doubled for each retry in a row, jittered to [d/2, d], capped at "
      "commands.backoff-max-ms.");
  s.integer(
      "commands.retry-backoff-ms",
      [](auto& o) -> auto& { return o.commands.retry.retry_backoff_ms; }, 0, minute,
      "First wait before the next attempt after a busy NACK or a silent attempt; doubled for "
      "each such retry of the command, jittered to [d/2, d], capped at commands.backoff-max-ms. "
      "0 = retry at once.");
  s.integer(
      "commands.backoff-max-ms", [](auto& o) -> auto& { return o.commands.retry.backoff_max_ms; },
      1, hour, "No retry backoff is longer than this.");
  s.integer(
      "commands.max-running", [](auto& o) -> auto& { return o.commands.max_running; }, 0,
      10'000'000,
      "Command actors running at once on the node; more wait in their shard in order, their "
      "timers not yet running (a burst queues instead of timing out). 0 = no limit.");
  s.integer(
      "commands.max-restarts", [](auto& o) -> auto& { return o.commands.max_restarts; }, 0, 10,
      "Restarts of a crashed command actor before its outcome is failed.");
  s.integer(
      "commands.timer-resolution-ms",
      [](auto& o) -> auto& { return o.commands.timer_resolution_ms; }, 1, 1000,
      "Granularity of command timers: a supervisor ticks at most this often while timers are "
      "pending, so attempt timeouts fire up to this much late.");
  s.require_at_least("commands.timeout-ms", "commands.attempt-timeout-ms");
}

void add_intake_keys(schema<node_options>& s) {
  s.add_section("intake", "The northbound side: job submissions and results.");
  s.boolean(
      "intake.enabled", [](auto& o) -> auto& { return o.intake.enabled; },
      "Take job submissions from MQTT on this node. Every member coordinates the jobs whose "
      "home it is and holds standby copies, whichever member received them.");
  s.string(
      "intake.topic-prefix", [](auto& o) -> auto& { return o.intake.topic_prefix; },
      "Jobs arrive on {prefix}/submit, results leave on {prefix}/{job}/result, rejections "
      "on {prefix}/rejected.",
      "a non-empty MQTT topic without '+', '#' or a trailing '/'", v::topic(false));
  s.string(
      "intake.share-group", [](auto& o) -> auto& { return o.intake.share_group; },
      "Shared-subscription group for submissions.", group_legal, v::share_group);
  s.integer(
      "intake.consumers", [](auto& o) -> auto& { return o.intake.consumers; }, 1, 64,
      "MQTT connections taking submissions in that group on this node (they feed one intake "
      "actor).");
  s.integer(
      "intake.max-commands-per-job", [](auto& o) -> auto& { return o.intake.max_commands_per_job; },
      1, 1'000'000, "A job with more commands is rejected.");
  s.integer(
      "intake.max-pending-commands", [](auto& o) -> auto& { return o.intake.max_pending_commands; },
      1, 100'000'000,
      "Jobs are rejected (\"overloaded\") while this many commands are unfinished.");
  s.integer(
      "intake.max-payload-bytes", [](auto& o) -> auto& { return o.intake.max_payload_bytes; }, 1024,
      268'435'455, "Submissions larger than this are rejected (the MQTT maximum is 268435455).");
  s.integer(
      "intake.dispatch-window", [](auto& o) -> auto& { return o.intake.dispatch_window; }, 1,
      1'000'000,
      "Commands of one job handed to supervisors and not yet ended, at most; later ones go out "
      "as earlier ones end, each to its ESL's owner of the moment (a node that joins mid-job "
      "takes its share).");
  s.boolean(
      "intake.replication", [](auto& o) -> auto& { return o.intake.replication; },
      "Keep every job on a second member (its standby), which takes the job over when the "
      "coordinator dies or leaves. Off: a job is lost with its coordinator.");
  s.integer(
      "intake.replication-interval-ms",
      [](auto& o) -> auto& { return o.intake.replication_interval_ms; }, 1, 10'000,
      "Outcomes reach the standby in batches at least this often: after a takeover, only "
      "commands whose outcomes were not replicated yet may be sent again.");
  s.integer(
      "intake.standby-timeout-ms", [](auto& o) -> auto& { return o.intake.standby_timeout_ms; }, 50,
      60'000,
      "How long a member has to take a job's standby role, or to say whether it holds a job "
      "id, before it is passed over.");
  s.integer(
      "intake.result-retention-ms", [](auto& o) -> auto& { return o.intake.result_retention_ms; },
      0, 7 * 86'400'000LL,
      "Results of finished jobs are kept this long: resubmitting the id publishes the result "
      "again instead of running the job again (0: not kept).");
  s.integer(
      "intake.result-retention-max-bytes",
      [](auto& o) -> auto& { return o.intake.result_retention_max_bytes; }, 0,
      64LL * 1024 * 1024 * 1024,
      "At most this many bytes of kept results per node; the oldest go first.");
  s.integer(
      "intake.progress-interval-ms", [](auto& o) -> auto& { return o.intake.progress_interval_ms; },
      0, 3'600'000,
      "A running job publishes {prefix}/{job}/progress this often (0: never; checked every "
      "second, so at most once a second).");
  s.integer(
      "intake.rejections-per-s", [](auto& o) -> auto& { return o.intake.rejections_per_s; }, 1,
      100'000,
      "Rejections published per second at most, per node; the rest are counted "
      "(jobs.rejections_suppressed) and summarised once a second on {prefix}/rejected.");
}

schema<node_options> build_node_schema() {
  schema<node_options> s{"shelfwire-node",
                         "Runs one shelfwire node: an actor system that delivers commands to "
                         "Electronic Shelf Labels through BLE gateways over MQTT."};
  add_node_keys(s);
  add_scheduler_keys(s);
  add_log_keys(s);
  add_metrics_keys(s);
  add_presence_keys(s);
  add_mqtt_keys(s);
  add_redis_keys(s);
  add_gateway_keys(s);
  add_routing_keys(s);
  add_routers_keys(s);
  add_commands_keys(s);
  add_intake_keys(s);
  add_cluster_keys(s);
  add_inspect_keys(s);
  return s;
}

} // namespace

const schema<node_options>& node_schema() {
  static const schema<node_options> s = build_node_schema();
  return s;
}

expected<node_config, config_error>
load_node_config(const std::vector<std::string>& args) noexcept {
  try {
    return load(node_schema(), args);
  } catch (...) { // building the schema ran out of memory
    return unexpected{config_error{"", "internal error while configuring"}};
  }
}

expected<node_config, config_error> load_node_config(int argc, char** argv) noexcept {
  try {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i)
      args.emplace_back(argv[i]);
    return load_node_config(args);
  } catch (...) {
    return unexpected{config_error{"", "internal error while configuring"}};
  }
}

std::string dump_node_config(const node_options& opts) {
  return dump(node_schema(), opts);
}

std::string default_node_name() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof host, "node");
  auto pid = "-" + std::to_string(static_cast<long long>(getpid()));
  std::string name;
  for (const char* p = host; *p != '\0'; ++p) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    name += ok ? c : '-';
  }
  if (name.size() + pid.size() > 64)
    name.resize(64 - pid.size());
  return name + pid;
}

} // namespace shelfwire::config

namespace shelfwire {

void resolve_node_name(node_options& opts) {
  if (opts.name.empty())
    opts.name = config::default_node_name();
  opts.log.process_name = opts.name;
}

} // namespace shelfwire
