#include "actors/node/node.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/cluster/cluster_manager.hpp"
#include "actors/command/command_supervisor.hpp"
#include "actors/gateway/gateway_egress.hpp"
#include "actors/gateway/response_ingress.hpp"
#include "actors/inspect/inspector.hpp"
#include "actors/intake/job_intake.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/presence_view.hpp"
#include "actors/node/lean_scheduler.hpp"
#include "actors/node/local_client.hpp"
#include "actors/node/metrics_reporter.hpp"
#include "actors/node/ops_endpoint.hpp"
#include "actors/node/presence.hpp"
#include "actors/router/router.hpp"
#include "actors/status/status_consumer.hpp"
#include "config/node_config.hpp"
#include "runtime/core/cores.hpp"
#include "runtime/core/loopback.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/client.hpp"
#include "runtime/tls/tls_files.hpp"

namespace shelfwire {

namespace {

uint64_t random_u64() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

/// Waits for `pred` with a deadline (shutdown bookkeeping, not tests).
template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return true;
}

/// QoS of the node's own subscriptions (gateway responses, job
/// submissions). The node's sessions are clean (clean start, no session
/// expiry): when one ends, the broker drops the messages it had not yet
/// had acknowledged — mosquitto hands them to no other member of a shared
/// subscription — exactly as it drops QoS 0 ones. QoS 1 toward the node
/// would therefore buy nothing and cost a PUBACK per message on both sides
/// (issue 16). What covers a message lost with a connection is end to end:
/// the producer's receipt wait (docs/northbound.md) and the command's
/// retries. Publishers keep their QoS (gateway responses and submissions are
/// published at QoS 1 to the broker, actions at QoS 1 to gateways).
constexpr int inbound_qos = 0;

} // namespace

struct node::impl {
  std::shared_ptr<node_context> ctx;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<mqtt::client> egress;                 ///< ctx->egress, as the client it is
  std::vector<std::shared_ptr<mqtt::client>> consumers; ///< responses + status
  std::vector<std::shared_ptr<mqtt::client>> intake_clients;
  caf::actor intake;
  caf::actor reporter;
  caf::actor local;
  caf::actor manager; ///< cluster manager
  caf::actor inspector;
  std::unique_ptr<node_presence> presence; ///< presence.topic (actors/node/presence.hpp)
  std::unique_ptr<ops_endpoint> ops;       ///< metrics.listen: /metrics, /healthz, /readyz
  std::vector<caf::actor> workers;         ///< ingress + status consumers
  size_t routers_spawned = 0;
  bool started = false;
  bool stopped = false;

  mqtt::client_options client_opts(const std::string& role) const {
    auto o = ctx->opts.mqtt;
    o.client_id = ctx->opts.mqtt_client_id_prefix + "-" + ctx->id.name + "-" + role;
    return o;
  }

  std::shared_ptr<mqtt::client> make_client(const std::string& role) {
    return std::make_shared<mqtt::client>(client_opts(role), *ctx->registry, "mqtt." + role + ".");
  }

  /// One MQTT connection (`role`) subscribed to `filter`, handing every
  /// message to `target` (paho's receive thread only copies and sends).
  std::shared_ptr<mqtt::client> forward(const std::string& role, const std::string& filter, int qos,
                                        caf::actor target) {
    auto c = make_client(role);
    c->subscribe(filter, qos, [target = std::move(target)](mqtt::message&& m) {
      caf::anon_send(target, mqtt_inbound{std::move(m.topic), std::move(m.payload)});
    });
    c->start();
    if (ops)
      ops->watch(role, c);
    return c;
  }

  std::string make_system();
  std::string secure_cluster_link();
  std::string make_ports();
  void make_pool_and_shards();
  void fill_pool();
  std::string listen();
  void make_consumers();
  void make_intake();
};

node::node(node_options opts)
    : impl_(std::make_unique<impl>()) {
  resolve_node_name(opts);
  opts.routers.pool_size = opts.routers.effective_pool_size(); // 0: half the cores
  auto ctx = std::make_shared<node_context>();
  ctx->opts = std::move(opts);
  ctx->id.name = ctx->opts.name;
  ctx->id.incarnation = random_u64();
  ctx->id.token_key = random_siphash_key();
  ctx->registry = std::make_unique<metrics::registry>(metrics::check_declared);
  ctx->metrics = std::make_unique<node_metrics>(*ctx->registry);
  impl_->ctx = std::move(ctx);
}

node::~node() {
  stop();
}

void node::submit(const wire::job_command& cmd, outcome_callback done) {
  auto& d = *impl_;
  if (!d.local)
    return;
  local_submission s;
  s.cmd = command_spec{cmd.esl, cmd.op, cmd.args};
  s.done = [done = std::move(done)](const command_report& rep) {
    local_outcome o;
    o.esl = rep.esl;
    o.status = rep.outcome.status;
    o.code = rep.outcome.code;
    o.attempts = rep.outcome.attempts;
    if (rep.outcome.has_gw)
      o.gw = rep.outcome.gw;
    o.reason = rep.outcome.reason;
    o.latency_us = rep.latency_us;
    o.backbone_us = rep.outcome.backbone_us;
    done(o);
  };
  caf::anon_send(d.local, std::move(s));
}

const std::string& node::name() const {
  return impl_->ctx->id.name;
}

uint64_t node::incarnation() const {
  return impl_->ctx->id.incarnation;
}

uint16_t node::metrics_port() const {
  return impl_->ops ? impl_->ops->port() : 0;
}

metrics::registry& node::metrics() {
  return *impl_->ctx->registry;
}

std::string node::metrics_json() const {
  return metrics_snapshot_json(*impl_->ctx);
}

/// Mutual TLS on the cluster link (caf_openssl), or the warning that it is
/// open. The files are checked here, once: caf_openssl loads them again for
/// every connection and raises inside its I/O loop if one is broken.
std::string node::impl::secure_cluster_link() {
  auto& c = ctx->opts.cluster;
  auto lg = log::get("cluster");
  if (!c.tls()) {
    ctx->metrics->cluster_insecure.set(is_loopback(c.bind) ? 0 : 1);
    if (!is_loopback(c.bind))
      lg->warn("cluster.insecure = true: the cluster endpoint on {} accepts any peer without "
               "authentication; whoever reaches it can join the cluster and message every "
               "actor (docs/security.md)",
               c.bind);
    return {};
  }
  tls::tls_summary summary;
  if (auto p = tls::check_tls_files({c.tls_ca, c.tls_certificate, c.tls_key, c.tls_key_password},
                                    &summary))
    return "cluster.tls-" + p->file + ": " + p->what;
  ctx->metrics->cluster_tls.set(1);
  cfg->load<caf::openssl::manager>();
  cfg->openssl_cafile = c.tls_ca;
  cfg->openssl_certificate = c.tls_certificate;
  cfg->openssl_key = c.tls_key;
  cfg->openssl_passphrase = c.tls_key_password;
  lg->info("cluster link: mutual TLS, certificate {} (expires in {} days), CA {}", summary.subject,
           summary.expires_in_days, c.tls_ca);
  if (summary.expires_in_days < 14)
    lg->warn("cluster.tls-certificate expires in {} days: renew it (docs/security.md)",
             summary.expires_in_days);
  return {};
}

std::string node::impl::make_system() {
  auto& opts = ctx->opts;
  cfg = std::make_unique<caf::actor_system_config>();
  // Auto: half the cores. An actor's turn per message is short; the I/O runs
  // on threads of its own (paho's receive and send threads, the routers),
  // and each further worker mostly adds wake-ups (docs/experiments.md,
  // "Where a node's CPU goes").
  auto threads = opts.scheduler_threads > 0 ? static_cast<size_t>(opts.scheduler_threads)
                                            : static_cast<size_t>(half_the_cores());
  cfg->set("scheduler.max-threads", threads);
  cfg->set("scheduler.policy", caf::atom_from_string(opts.scheduler_policy));
  use_lean_scheduler(*cfg, opts.scheduler_policy == "stealing");
  cfg->add_message_types<caf::id_block::shelfwire>();
  cfg->add_message_types<caf::id_block::shelfwire_presence>();
  cfg->load<caf::io::middleman>();
  if (auto err = secure_cluster_link(); !err.empty())
    return err;
  // Failure detection between members: heartbeats, and a silent peer's
  // connection is closed (its actors go down) after the failure timeout.
  cfg->set("middleman.heartbeat-interval",
           caf::timespan{std::chrono::milliseconds{opts.cluster.heartbeat_interval_ms}});
  cfg->set("middleman.connection-timeout",
           caf::timespan{std::chrono::milliseconds{opts.cluster.failure_timeout_ms}});
  sys = std::make_unique<caf::actor_system>(*cfg);
  ctx->local_node = sys->node();
  ctx->naive_replies = opts.cluster.reply_routing == "naive";
  auto& copts = opts.cluster;
  ctx->cluster_host = !copts.advertise_host.empty()                     ? copts.advertise_host
                      : (copts.bind == "0.0.0.0" || copts.bind == "::") ? std::string{"127.0.0.1"}
                                                                        : copts.bind;
  return {};
}

/// Outgoing messages (actions, results, metrics) and route lookups.
std::string node::impl::make_ports() {
  // A missing or unreadable TLS file is named by its key, before any
  // connection (the client checks again in start()).
  if (auto err = mqtt::check_tls_options(ctx->opts.mqtt); !err.empty())
    return err;
  egress = make_client("egress");
  if (!egress->start())
    return "mqtt.url: cannot use '" + ctx->opts.mqtt.url + "'";
  ctx->egress = egress;
  ctx->gateways = std::make_shared<gateway_egress>(ctx->opts.gateway.flow, egress, *ctx->registry);
  auto* reg = ctx->registry.get();
  ctx->make_route_source = [reg, redis = ctx->opts.redis, table = ctx->opts.route_table](size_t i) {
    return routing::make_redis_route_source(redis, table, *reg, "redis.router" + std::to_string(i));
  };
  return {};
}

/// The last handles of the context: the router pool, empty until
/// fill_pool, and the supervisor shards, which read the context only from
/// their first message on (lazy_init). The first message to a shard can come
/// only after listen() or from an actor spawned after this: by then the
/// context is complete.
void node::impl::make_pool_and_shards() {
  auto pool = caf::actor_pool::make(sys->dummy_execution_unit(), caf::actor_pool::round_robin());
  ctx->routers = caf::actor_cast<router_pool_handle>(pool);
  for (int i = 0; i < ctx->opts.commands.supervisors; ++i)
    ctx->shards.push_back(sys->spawn<caf::lazy_init>(command_supervisor, node_context_ptr{ctx},
                                                     static_cast<uint64_t>(i)));
}

/// Routers: each on its own thread, with its own Redis connection.
void node::impl::fill_pool() {
  auto pool = caf::actor_cast<caf::actor>(ctx->routers);
  for (int i = 0; i < ctx->opts.routers.pool_size; ++i) {
    auto w = spawn_router(*sys, node_context_ptr{ctx}, routers_spawned++);
    caf::anon_send(pool, caf::sys_atom_v, caf::put_atom_v, caf::actor_cast<caf::actor>(w));
  }
  ctx->metrics->router_pool_size.set(ctx->opts.routers.pool_size);
}

/// The inspector and the cluster manager, published on the node's CAF endpoint.
std::string node::impl::listen() {
  auto& opts = ctx->opts;
  auto& gw = opts.gateway;
  std::vector<named_value> fixed = {
      {"command supervisors", static_cast<int64_t>(ctx->shards.size())},
      {"response ingress", gw.response_consumers},
      {"status consumers", opts.routing.consume ? opts.routing.consumers : 0},
      {"job intake", 1},
      {"cluster manager", 1},
      {"metrics reporter", 1},
      {"local client", 1},
      {"inspector", 1},
  };
  inspector =
      sys->spawn(shelfwire::inspector, node_context_ptr{ctx}, std::move(fixed), routers_spawned);
  // The intake exists before the manager announces it (every member
  // coordinates jobs and holds standby copies); submissions from MQTT flow
  // only in make_intake, and only with intake.enabled.
  intake = sys->spawn(job_intake, node_context_ptr{ctx});
  manager = sys->spawn(cluster_manager, node_context_ptr{ctx}, inspector, intake);
  auto& copts = opts.cluster;
  // With TLS only caf_openssl listens: a peer must complete the mutual TLS
  // handshake before a byte reaches CAF's BASP layer.
  auto port = copts.tls() ? caf::openssl::publish(manager, static_cast<uint16_t>(copts.port),
                                                  copts.bind.c_str(), true)
                          : sys->middleman().publish(manager, static_cast<uint16_t>(copts.port),
                                                     copts.bind.c_str(), true);
  if (!port)
    return "cluster.port: cannot listen on " + copts.bind + ":" + std::to_string(copts.port) +
           ": " + sys->render(port.error());
  caf::anon_send(manager, caf::publish_atom_v, *port);
  // Presence names this endpoint: only now is its port known.
  presence = node_presence::start(*ctx, client_opts("presence"),
                                  cluster::endpoint{ctx->cluster_host, *port}.to_string(), manager);
  return {};
}

/// Gateway responses (each consumer with its ingress) and gateway status
/// (each consumer with its own RSSI-table writer).
void node::impl::make_consumers() {
  auto& opts = ctx->opts;
  auto& gw = opts.gateway;
  for (int i = 0; i < gw.response_consumers; ++i) {
    auto ingress = sys->spawn(response_ingress, node_context_ptr{ctx});
    workers.push_back(ingress);
    consumers.push_back(
        forward("responses" + std::to_string(i),
                "$share/" + gw.response_share_group + "/" + gw.topic_prefix + "/+/response",
                inbound_qos, ingress));
  }
  if (!opts.routing.consume)
    return;
  for (int i = 0; i < opts.routing.consumers; ++i) {
    auto consumer = sys->spawn<caf::detached>(status_consumer, node_context_ptr{ctx});
    workers.push_back(consumer);
    consumers.push_back(forward(
        "status" + std::to_string(i),
        "$share/" + opts.routing.share_group + "/" + gw.topic_prefix + "/+/status", 0, consumer));
  }
}

/// Jobs in: last, once everything behind the intake exists.
void node::impl::make_intake() {
  auto& io = ctx->opts.intake;
  if (!io.enabled)
    return;
  for (int i = 0; i < io.consumers; ++i)
    intake_clients.push_back(forward(i == 0 ? std::string{"intake"} : "intake" + std::to_string(i),
                                     "$share/" + io.share_group + "/" + io.topic_prefix + "/submit",
                                     inbound_qos, intake));
}

std::string node::start() {
  auto& d = *impl_;
  if (d.started)
    return "node already started";
  d.started = true;
  if (auto err = d.make_system(); !err.empty())
    return err;
  if (auto err = d.make_ports(); !err.empty())
    return err;
  d.make_pool_and_shards();
  // The context is complete: from here on, actors may read it.
  d.fill_pool();
  if (auto err = d.listen(); !err.empty())
    return err;
  d.ops = std::make_unique<ops_endpoint>(node_context_ptr{d.ctx}, *d.sys, d.inspector);
  d.ops->watch("egress", d.egress);
  d.make_consumers();
  d.reporter = d.sys->spawn(metrics_reporter, node_context_ptr{d.ctx});
  d.local = d.sys->spawn(local_client, node_context_ptr{d.ctx});
  d.make_intake();
  if (auto err = d.ops->start(); !err.empty())
    return err;
  auto& opts = d.ctx->opts;
  log::get("node")->info(
      "node '{}' started (incarnation {:016x}): {} routers, {} supervisors, {} response "
      "consumers, {} status consumers, intake {}",
      d.ctx->id.name, d.ctx->id.incarnation, opts.routers.pool_size, opts.commands.supervisors,
      opts.gateway.response_consumers, opts.routing.consume ? opts.routing.consumers : 0,
      opts.intake.enabled ? "on" : "off");
  return {};
}

bool node::wait_ready(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.started || d.stopped)
    return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::max(
        deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration{}));
  };
  if (!d.egress->wait_ready(left()))
    return false;
  for (auto& c : d.consumers)
    if (!c->wait_ready(left()))
      return false;
  for (auto& c : d.intake_clients)
    if (!c->wait_ready(left()))
      return false;
  if (d.presence && !d.presence->wait_ready(left()))
    return false;
  log::get("node")->info("node '{}' ready", d.ctx->id.name);
  return true;
}

void node::stop() {
  auto& d = *impl_;
  if (!d.started || d.stopped)
    return;
  d.stopped = true;
  if (!d.sys)
    return; // refused before the actor system existed (a bad TLS file)
  auto& ctx = *d.ctx;
  auto& m = *ctx.metrics;
  auto lg = log::get("node");
  lg->info("node '{}' stopping: {} commands pending, {} jobs in flight", ctx.id.name,
           m.commands_pending.value(), m.jobs_in_flight.value());
  if (d.ops)
    d.ops->stopping(); // /readyz: 503 from now on
  // 1. No new jobs, and no new commands from the other members: leave the
  //    cluster (we stay reachable for replies while we drain).
  for (auto& c : d.intake_clients)
    c->stop();
  if (d.manager) {
    caf::scoped_actor self{*d.sys};
    self->request(d.manager, std::chrono::seconds{5}, leave_atom_v)
        .receive([](bool) {},
                 [&](caf::error& e) {
                   lg->warn("could not announce leaving the cluster: {}", d.sys->render(e));
                 });
  }
  // 2. Jobs coordinated here go to their standbys (which rebind the commands
  //    our shards still run); the copies held here for other members' jobs
  //    are dropped, and their coordinators pick other standbys.
  if (d.intake) {
    caf::scoped_actor self{*d.sys};
    self->request(d.intake, std::chrono::seconds{5}, leave_atom_v)
        .receive(
            [&](uint64_t n) {
              if (n > 0)
                lg->info("{} jobs coordinated here: handing them to their standbys", n);
            },
            [&](caf::error& e) { lg->warn("could not hand jobs over: {}", d.sys->render(e)); });
  }
  // 3. Let in-flight commands finish, within the drain budget.
  wait_for([&] { return m.commands_pending.value() == 0; },
           std::chrono::milliseconds{ctx.opts.drain_timeout_ms});
  // 4. End what is left: every accepted command gets its outcome.
  //    With other members up, the commands go back to their submitters,
  //    which send them to the ESLs' new owners ("moved"), so a rolling
  //    restart ends no command failed.
  {
    auto view = ctx.cluster.get();
    // (Without standbys, coordinators stay here and end such commands.)
    bool hand_back = ctx.opts.intake.replication &&
                     std::any_of(view->members.begin(), view->members.end(),
                                 [&](auto& m) { return !m.leaving && m.node() != ctx.local_node; });
    caf::scoped_actor self{*d.sys};
    uint64_t ended = 0;
    for (auto& shard : ctx.shards)
      self->request(shard, std::chrono::seconds{10}, shutdown_atom_v, hand_back)
          .receive([&](uint64_t n) { ended += n; },
                   [&](caf::error& e) {
                     lg->error("a supervisor did not stop cleanly: {}", d.sys->render(e));
                   });
    if (ended > 0 && hand_back)
      lg->warn("{} commands not finished after the drain timeout: handed back to their "
               "submitters for the other members",
               ended);
    else if (ended > 0)
      lg->warn("{} commands ended failed (shutdown) after the drain timeout", ended);
  }
  // 5. Results out: coordinators publish as their last outcomes arrive (or
  //    their standbys took the jobs over).
  if (!wait_for([&] { return m.jobs_in_flight.value() == 0; }, std::chrono::seconds{5}))
    lg->error("{} job results could not be published before shutdown (broker unreachable?)",
              m.jobs_in_flight.value());
  // 6. Stop listening, then stop talking.
  d.ops.reset(); // stops listening; lets go of its actor handles before the system goes
  for (auto& c : d.consumers)
    c->stop();
  // Goodbye: presence offline (stopped), no metrics snapshot left retained;
  // the reporter goes first, so that no snapshot follows the empty one.
  if (d.reporter) {
    caf::scoped_actor self{*d.sys};
    self->send_exit(d.reporter, caf::exit_reason::user_shutdown);
    self->wait_for(d.reporter);
  }
  say_goodbye(ctx, *d.egress, d.presence.get(), std::chrono::seconds{3});
  // What was just published (results, dead letters) is written, not dropped.
  if (!d.egress->wait_sent(std::chrono::seconds{3}))
    lg->warn("{} messages still unsent to the broker at shutdown", d.egress->pending());
  d.egress->stop();
  if (d.presence)
    d.presence->stop(); // last: a clean DISCONNECT, the broker drops the will
  // 7. Stop the actors and the actor system.
  auto exit = [&](const auto& a) {
    if (a)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  };
  exit(d.intake);
  exit(d.manager);
  exit(d.inspector);
  exit(d.reporter);
  exit(d.local);
  for (auto& w : d.workers)
    exit(w);
  for (auto& s : ctx.shards)
    exit(s);
  exit(ctx.routers);
  d.sys->await_all_actors_done();
  d.workers.clear();
  d.intake = d.reporter = d.local = d.manager = d.inspector = caf::actor{};
  d.ctx->routers = router_pool_handle{};
  d.ctx->shards.clear();
  d.ctx->cluster.set(std::make_shared<const cluster_view>()); // its handles, before the system goes
  d.consumers.clear();
  d.intake_clients.clear();
  d.presence.reset(); // its handler holds the manager's handle
  d.sys.reset();
  d.cfg.reset();
  lg->info("node '{}' stopped", ctx.id.name);
  log::flush();
}

} // namespace shelfwire
