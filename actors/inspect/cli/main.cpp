// shelfwire-inspect: views into a running node, and control actions, over
// CAF's network layer (the node's cluster endpoint, `cluster.port`).
//
//   shelfwire-inspect [OPTIONS] HOST:PORT members
//   shelfwire-inspect [OPTIONS] HOST:PORT node [--counters]
//   shelfwire-inspect [OPTIONS] HOST:PORT commands [--esl MAC] [--state S] [--limit N]
//   shelfwire-inspect [OPTIONS] HOST:PORT route ESL
//   shelfwire-inspect [OPTIONS] HOST:PORT gateways [--state up|down|probing] [--all]
//   shelfwire-inspect [OPTIONS] HOST:PORT scale --pool routers --size N [--all]
//
// OPTIONS: --json, --watch SECONDS, --timeout-ms MS, --token TOKEN (or the
// environment variable SHELFWIRE_INSPECT_TOKEN, or --token-file FILE),
// --tls-ca FILE --tls-cert FILE --tls-key FILE (a node whose cluster link is
// mutual TLS).
// Exit codes: 0 done, 1 the node refused or could not be reached, 2 usage.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/remote_actor.hpp>

#include "actors/inspect/cli/render.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/presence_view.hpp"
#include "runtime/cluster/ownership.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/core/stop_signals.hpp"
#include "runtime/tls/tls_files.hpp"

namespace {

using namespace shelfwire;

constexpr const char* usage_text =
    R"(usage: shelfwire-inspect [OPTIONS] HOST:PORT VIEW [ARGS]

HOST:PORT is a node's CAF endpoint (cluster.port; logged at start and shown
in its metrics as cluster.endpoint).

views:
  members                          every cluster member: endpoint, state, up for, last heard,
                                   presence; then nodes known only by their presence
  node [--counters]                actors by kind, commands by state, router pool and
                                   mailboxes, MQTT/Redis links, latencies, outcomes
  commands [--esl MAC] [--state S] [--limit N]
                                   in-flight and waiting commands, oldest first (limit 20)
                                   states: queued handoff ready dispatching awaiting_reply
                                   backing_off awaiting_route awaiting_window
  route ESL                        the routing table's gateways for an ESL, best first
  gateways [--state up|down|probing] [--all]
                                   per gateway: breaker state, window, in flight, waiting,
                                   sent, acks, busy, silent; the node's flow settings and
                                   totals (--all: every member, each with its own windows)
Views need the node's inspect.read-token or inspect.token (a node without a
read token that listens on loopback only answers views without one).
control (needs the node's inspect.token):
  scale --pool routers --size N [--all]
                                   resize the router pool of this node (or of every member)

options:
  --json               one JSON document per view instead of tables
  --watch SECONDS      show the view again every SECONDS until interrupted
  --timeout-ms MS      how long to wait for the node (default 5000)
  --token TOKEN        the read or admin token (or SHELFWIRE_INSPECT_TOKEN, or
                       --token-file FILE); never put a token on a shared machine's
                       command line: other users see it in ps
  --tls-ca FILE --tls-cert FILE --tls-key FILE
                       mutual TLS to a node with cluster.tls-*: the cluster's CA and a
                       certificate it signed (e.g. one made for operators)
  --help
)";

struct cli_options {
  std::string endpoint;
  std::string view;
  bool json = false;
  int watch_s = 0;
  int64_t timeout_ms = 5'000;
  std::string token;
  bool counters = false;
  command_query query;
  std::string route_esl;
  std::string pool;
  int32_t size = 0;
  bool all = false;
  std::string tls_ca, tls_cert, tls_key;
  bool tls() const { return !tls_ca.empty(); }
};

/// An ESL MAC as people type it: 12 hex digits, colons or dashes allowed.
std::optional<esl_mac> parse_mac(std::string v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](char c) { return c == ':' || c == '-'; }), v.end());
  return esl_mac::parse(v);
}

[[noreturn]] void usage_error(const std::string& what) {
  std::cerr << "shelfwire-inspect: " << what << "\n(see shelfwire-inspect --help)\n";
  std::exit(2);
}

int64_t parse_int(const std::string& flag, const std::string& v, int64_t lo, int64_t hi) {
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || x < lo || x > hi)
    usage_error(flag + ": expected an integer in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "], got '" + v + "'");
  return x;
}

cli_options parse(int argc, char** argv) {
  cli_options o;
  std::vector<std::string> positional;
  auto value = [&](int& i, const std::string& flag) -> std::string {
    if (i + 1 >= argc)
      usage_error(flag + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage_text;
      std::exit(0);
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--watch") {
      o.watch_s = static_cast<int>(parse_int(a, value(i, a), 1, 3600));
    } else if (a == "--timeout-ms") {
      o.timeout_ms = parse_int(a, value(i, a), 100, 600'000);
    } else if (a == "--token") {
      o.token = value(i, a);
    } else if (a == "--token-file") {
      auto path = value(i, a);
      std::ifstream in{path};
      if (!in)
        usage_error("--token-file: cannot read '" + path + "'");
      std::getline(in, o.token);
    } else if (a == "--tls-ca") {
      o.tls_ca = value(i, a);
    } else if (a == "--tls-cert") {
      o.tls_cert = value(i, a);
    } else if (a == "--tls-key") {
      o.tls_key = value(i, a);
    } else if (a == "--counters") {
      o.counters = true;
    } else if (a == "--esl") {
      auto v = value(i, a);
      auto mac = parse_mac(v);
      if (!mac)
        usage_error("--esl: expected 12 hex digits (AABBCCDDEEFF, colons allowed), got '" + v +
                    "'");
      o.query.has_esl = true;
      o.query.esl = *mac;
    } else if (a == "--state") {
      o.query.state = value(i, a);
    } else if (a == "--limit") {
      o.query.limit = static_cast<uint32_t>(parse_int(a, value(i, a), 1, 100'000));
    } else if (a == "--pool") {
      o.pool = value(i, a);
    } else if (a == "--size") {
      o.size = static_cast<int32_t>(parse_int(a, value(i, a), 1, 256));
    } else if (a == "--all") {
      o.all = true;
    } else if (a.size() > 1 && a[0] == '-') {
      usage_error("unknown option '" + a + "'");
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() < 2)
    usage_error("expected HOST:PORT and a view");
  o.endpoint = positional[0];
  o.view = positional[1];
  if (o.view == "route") {
    if (positional.size() != 3)
      usage_error("route: expected one ESL");
    o.route_esl = positional[2];
    if (!parse_mac(o.route_esl))
      usage_error("route: expected 12 hex digits (AABBCCDDEEFF, colons allowed), got '" +
                  o.route_esl + "'");
  } else if (positional.size() != 2) {
    usage_error("unexpected argument '" + positional[2] + "'");
  }
  auto& phases = command_phase_names;
  if (o.view == "gateways") {
    auto& st = o.query.state;
    if (!st.empty() && st != "up" && st != "down" && st != "probing")
      usage_error("--state: expected one of up, down, probing; got '" + st + "'");
  } else if (!o.query.state.empty() &&
             std::find(std::begin(phases), std::end(phases), o.query.state) == std::end(phases)) {
    std::string legal;
    for (auto p : phases)
      legal += (legal.empty() ? "" : ", ") + std::string{p};
    usage_error("--state: expected one of " + legal + "; got '" + o.query.state + "'");
  }
  if (o.view == "scale") {
    if (o.pool.empty() || o.size == 0)
      usage_error("scale: expected --pool routers --size N");
    if (o.watch_s > 0)
      usage_error("scale: --watch does not apply");
  } else if (o.view != "members" && o.view != "node" && o.view != "commands" && o.view != "route" &&
             o.view != "gateways") {
    usage_error("unknown view '" + o.view + "' (members, node, commands, route, gateways, scale)");
  }
  if (o.token.empty())
    if (auto env = std::getenv("SHELFWIRE_INSPECT_TOKEN"))
      o.token = env;
  int tls_given = !o.tls_ca.empty() + !o.tls_cert.empty() + !o.tls_key.empty();
  if (tls_given != 0 && tls_given != 3)
    usage_error("--tls-ca, --tls-cert and --tls-key go together (mutual TLS)");
  return o;
}

/// One connection to one node: its manager and inspector.
struct session {
  caf::actor_system& sys;
  std::chrono::milliseconds timeout;
  const cli_options& opts;
  caf::actor manager;
  caf::actor inspector;

  /// Empty on success, else what went wrong.
  std::string connect(const std::string& endpoint) {
    auto eps = cluster::parse_endpoints(endpoint);
    if (!eps || eps->size() != 1)
      return "'" + endpoint + "': expected HOST:PORT";
    auto ep = &eps->front();
    auto m = opts.tls() ? caf::openssl::remote_actor(sys, ep->host, ep->port)
                        : sys.middleman().remote_actor(ep->host, ep->port);
    if (!m)
      return "cannot reach a node at " + endpoint + ": " + sys.render(m.error());
    manager = *m;
    std::string err;
    caf::scoped_actor self{sys};
    self->request(manager, timeout, inspect_atom_v, opts.token)
        .receive([&](caf::actor& a) { inspector = std::move(a); },
                 [&](caf::error& e) { err = "node at " + endpoint + ": " + describe(e); });
    if (err.empty() && !inspector)
      err = "node at " + endpoint + " has no inspector";
    return err;
  }

  /// Asks `dest` and returns its answer of type T, or the error text.
  template <class T, class... Ts>
  std::optional<T> ask(const caf::actor& dest, std::string& err, Ts&&... xs) {
    std::optional<T> out;
    caf::scoped_actor self{sys};
    self->request(dest, timeout, std::forward<Ts>(xs)...)
        .receive([&](T& x) { out = std::move(x); }, [&](caf::error& e) { err = describe(e); });
    return out;
  }

  /// A refusal's reason as the node wrote it; other errors as CAF renders them.
  std::string describe(const caf::error& e) {
    if (e == caf::sec::runtime_error && !e.context().empty()) {
      std::string why;
      if (e.context().match_elements<std::string>())
        why = e.context().get_as<std::string>(0);
      if (!why.empty())
        return why;
    }
    return "the node did not answer: " + sys.render(e);
  }
};

/// The `gateways` view of the asked node, or with --all of every member it
/// knows (each asked on its own endpoint); false if one did not answer.
bool gateway_reports(session& s, const cli_options& o, std::vector<gateway_report>& out,
                     std::string& err) {
  if (!o.all) {
    auto r = s.ask<gateway_report>(s.inspector, err, inspect_atom_v, gateways_atom_v, o.token);
    if (r)
      out.push_back(std::move(*r));
    return r.has_value();
  }
  auto rows =
      s.ask<std::vector<member_row>>(s.manager, err, inspect_atom_v, members_atom_v, o.token);
  if (!rows)
    return false;
  for (auto& m : *rows) {
    auto ep = m.host + ":" + std::to_string(m.port);
    session other{s.sys, s.timeout, o, {}, {}};
    auto* via = &s;
    if (m.state != "self") {
      if (auto e = other.connect(ep); !e.empty()) {
        err = e;
        return false;
      }
      via = &other;
    }
    auto r =
        via->ask<gateway_report>(via->inspector, err, inspect_atom_v, gateways_atom_v, o.token);
    if (!r) {
      err = "node at " + ep + ": " + err;
      return false;
    }
    out.push_back(std::move(*r));
  }
  return true;
}

/// Renders the view once; false if the node could not answer.
bool show(session& s, const cli_options& o, std::string& text, std::string& err) {
  auto fmt = o.json ? cli::output_format::json : cli::output_format::table;
  if (o.view == "members") {
    auto rows =
        s.ask<std::vector<member_row>>(s.manager, err, inspect_atom_v, members_atom_v, o.token);
    if (!rows)
      return false;
    // Presence is optional: a node with presence.topic empty knows none.
    std::string presence_err;
    auto presence = s.ask<std::vector<presence_row>>(s.manager, presence_err, inspect_atom_v,
                                                     members_atom_v, presence_atom_v, o.token);
    text = cli::render_members(*rows, presence ? *presence : std::vector<presence_row>{},
                               wall_now_ms(), fmt);
  } else if (o.view == "node") {
    auto r = s.ask<node_report>(s.inspector, err, inspect_atom_v, node_atom_v, o.token);
    if (!r)
      return false;
    std::string gw_err; // the summary is optional: the node view shows without it
    auto gw = s.ask<gateway_report>(s.inspector, gw_err, inspect_atom_v, gateways_atom_v, o.token);
    text = cli::render_node(*r, wall_now_ms(), fmt, o.counters, gw ? &*gw : nullptr);
  } else if (o.view == "commands") {
    auto l =
        s.ask<command_list>(s.inspector, err, inspect_atom_v, commands_atom_v, o.query, o.token);
    if (!l)
      return false;
    text = cli::render_commands(*l, fmt);
  } else if (o.view == "route") {
    auto r = s.ask<route_report>(s.inspector, err, inspect_atom_v, route_atom_v,
                                 *parse_mac(o.route_esl), o.token);
    if (!r)
      return false;
    text = cli::render_route(*r, fmt);
  } else if (o.view == "gateways") {
    std::vector<gateway_report> reports;
    if (!gateway_reports(s, o, reports, err))
      return false;
    text = cli::render_gateways(reports, fmt, o.query.state);
  }
  return true;
}

/// "user@host (pid N)": who asks, for the node's log.
std::string requested_by() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  auto user = std::getenv("USER");
  return std::string{user ? user : "?"} + "@" + host + " (pid " + std::to_string(getpid()) + ")";
}

int run_scale(caf::actor_system& sys, const cli_options& o) {
  std::chrono::milliseconds timeout{o.timeout_ms};
  std::vector<std::string> endpoints{o.endpoint};
  if (o.all) {
    session first{sys, timeout, o, {}, {}};
    if (auto err = first.connect(o.endpoint); !err.empty()) {
      std::cerr << "shelfwire-inspect: " << err << "\n";
      return 1;
    }
    std::string err;
    auto rows = first.ask<std::vector<member_row>>(first.manager, err, inspect_atom_v,
                                                   members_atom_v, o.token);
    if (!rows) {
      std::cerr << "shelfwire-inspect: " << err << "\n";
      return 1;
    }
    endpoints.clear();
    for (auto& m : *rows)
      endpoints.push_back(m.host + ":" + std::to_string(m.port));
  }
  std::vector<std::pair<std::string, scale_result>> results;
  bool ok = true;
  for (auto& ep : endpoints) {
    session s{sys, timeout, o, {}, {}};
    scale_result r;
    if (auto err = s.connect(ep); !err.empty()) {
      r.error = control_errc::unavailable;
      r.message = err;
    } else {
      std::string err2;
      // Scaling waits for the pool: allow for it beyond the view timeout.
      auto res = s.ask<scale_result>(s.inspector, err2, scale_atom_v, o.pool, o.size, o.token,
                                     requested_by());
      if (res) {
        r = std::move(*res);
      } else {
        r.error = control_errc::unavailable;
        r.message = err2;
      }
    }
    ok = ok && r.error == control_errc::none;
    results.emplace_back(ep, std::move(r));
  }
  auto text =
      cli::render_scale(results, o.json ? cli::output_format::json : cli::output_format::table);
  (ok ? std::cout : std::cerr) << text;
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  using namespace shelfwire;
  stop_signals stop; // before any thread exists
  std::signal(SIGPIPE, SIG_IGN);
  auto o = parse(argc, argv);
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::shelfwire>();
  cfg.add_message_types<caf::id_block::shelfwire_presence>();
  cfg.load<caf::io::middleman>();
  if (o.tls()) {
    // Checked here: caf_openssl raises inside its I/O loop on a bad file.
    if (auto p = tls::check_tls_files({o.tls_ca, o.tls_cert, o.tls_key, {}})) {
      auto flag = p->file == "ca" ? "--tls-ca" : p->file == "key" ? "--tls-key" : "--tls-cert";
      std::cerr << "shelfwire-inspect: " << flag << ": " << p->what << "\n";
      return 2;
    }
    cfg.load<caf::openssl::manager>();
    cfg.openssl_cafile = o.tls_ca;
    cfg.openssl_certificate = o.tls_cert;
    cfg.openssl_key = o.tls_key;
  }
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  if (o.view == "scale")
    return run_scale(sys, o);
  session s{sys, std::chrono::milliseconds{o.timeout_ms}, o, {}, {}};
  if (auto err = s.connect(o.endpoint); !err.empty()) {
    std::cerr << "shelfwire-inspect: " << err << "\n";
    return 1;
  }
  for (;;) {
    std::string text, err;
    if (!show(s, o, text, err)) {
      std::cerr << "shelfwire-inspect: " << err << "\n";
      return 1;
    }
    if (o.watch_s > 0 && !o.json)
      std::cout << "\x1b[2J\x1b[H"; // clear the screen between refreshes
    std::cout << text << std::flush;
    if (o.watch_s == 0)
      return 0;
    if (stop.wait_for(std::chrono::milliseconds{o.watch_s * 1000}))
      return 0;
  }
}
