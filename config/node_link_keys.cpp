// The node's keys for its links: the MQTT broker, Redis, the cluster (with
// mutual TLS and the secure-by-default rule) and the inspector's tokens.
// See node_keys.hpp; the other sections are in node_config.cpp.
#include "config/node_keys.hpp"

#include <string>
#include <vector>

#include "config/validators.hpp"
#include "runtime/core/loopback.hpp"

namespace shelfwire::config::node_keys {

namespace {

namespace v = validators;

/// The cluster link's mutual TLS (caf_openssl) and the secure-by-default rule.
void add_cluster_tls_keys(schema<node_options>& s) {
  s.string(
      "cluster.tls-ca", [](auto& o) -> auto& { return o.cluster.tls_ca; },
      "PEM file of the CA that signs every member's certificate: with tls-certificate and "
      "tls-key set, members (and shelfwire-inspect) speak mutual TLS and a peer without a "
      "certificate from this CA is refused before any message reaches an actor.");
  s.string(
      "cluster.tls-certificate", [](auto& o) -> auto& { return o.cluster.tls_certificate; },
      "PEM file with this node's certificate (chain), signed by cluster.tls-ca.");
  s.string(
      "cluster.tls-key", [](auto& o) -> auto& { return o.cluster.tls_key; },
      "PEM file with the private key of cluster.tls-certificate.");
  s.string(
      "cluster.tls-key-password", [](auto& o) -> auto& { return o.cluster.tls_key_password; },
      "Passphrase of an encrypted cluster.tls-key; empty: the key is not encrypted.");
  s.mark_secret("cluster.tls-key-password");
  s.boolean(
      "cluster.insecure", [](auto& o) -> auto& { return o.cluster.insecure; },
      "Allow a cluster endpoint without TLS on an address beyond loopback (logged as a "
      "warning). Without TLS and without this, cluster.bind must be a loopback address.");
  const std::vector<std::string> tls_keys = {"cluster.tls-ca", "cluster.tls-certificate",
                                             "cluster.tls-key"};
  s.add_rule(
      {tls_keys, "cluster.tls-ca, cluster.tls-certificate and cluster.tls-key: all three or none",
       [tls_keys](const settings& st) -> std::optional<config_error> {
         size_t set = 0;
         for (auto& k : tls_keys)
           set += st.string(k).empty() ? 0 : 1;
         if (set == 0 || set == tls_keys.size())
           return std::nullopt;
         for (auto& k : tls_keys)
           if (st.string(k).empty())
             return config_error{k, k +
                                        ": must be set when any of cluster.tls-ca, "
                                        "cluster.tls-certificate, cluster.tls-key is (mutual "
                                        "TLS needs all three); got \"\" (" +
                                        st.origin(k) + ")"};
         return std::nullopt;
       }});
  s.add_rule({{"cluster.bind", "cluster.tls-ca", "cluster.insecure"},
              "without TLS, a loopback address unless cluster.insecure = true",
              [](const settings& st) -> std::optional<config_error> {
                if (!st.string("cluster.tls-ca").empty() || st.boolean("cluster.insecure") ||
                    is_loopback(st.string("cluster.bind")))
                  return std::nullopt;
                return config_error{
                    "cluster.bind",
                    "cluster.bind: without TLS, expected a loopback address (127.0.0.1, ::1, "
                    "localhost); got '" +
                        st.string("cluster.bind") + "' (" + st.origin("cluster.bind") +
                        "). Set cluster.tls-ca, cluster.tls-certificate and cluster.tls-key "
                        "(see docs/security.md), or cluster.insecure = true to accept "
                        "unauthenticated peers"};
              }});
}

} // namespace

void add_mqtt_keys(schema<node_options>& s) {
  s.add_section("mqtt", "The MQTT broker: base options of every MQTT connection of the node.");
  s.string(
      "mqtt.url", [](auto& o) -> auto& { return o.mqtt.url; },
      "Broker address; ssl:// connects with TLS and always verifies the broker's "
      "certificate (mqtt.tls-*; docs/security.md).",
      "tcp://host:port or ssl://host:port with port in [1, 65535]", v::broker_url);
  s.string(
      "mqtt.client-id-prefix", [](auto& o) -> auto& { return o.mqtt_client_id_prefix; },
      "Each connection's client id is {prefix}-{node}-{role}; must keep ids unique per "
      "broker.",
      "1 to 32 of A-Z a-z 0-9 _ -", v::name("_-", 1, 32));
  s.string(
      "mqtt.username", [](auto& o) -> auto& { return o.mqtt.username; },
      "User name for the broker; empty: none.");
  s.string(
      "mqtt.password", [](auto& o) -> auto& { return o.mqtt.password; },
      "Password for the broker; empty: none.");
  s.mark_secret("mqtt.password");
  s.integer(
      "mqtt.keepalive-s", [](auto& o) -> auto& { return o.mqtt.keepalive_s; }, 1, 3600,
      "MQTT keep-alive in seconds; the broker drops a client silent for 1.5 times this.");
  s.integer(
      "mqtt.max-inflight", [](auto& o) -> auto& { return o.mqtt.max_inflight; }, 1, 65535,
      "Unacknowledged QoS 1 messages allowed in flight per connection.");
  s.integer(
      "mqtt.connect-timeout-ms", [](auto& o) -> auto& { return o.mqtt.connect_timeout_ms; }, 100,
      minute, "Time allowed for the TCP connect and the CONNECT/CONNACK handshake.");
  s.integer(
      "mqtt.reconnect-min-ms", [](auto& o) -> auto& { return o.mqtt.reconnect_min_ms; }, 10, minute,
      "First reconnect attempt after this; the wait doubles up to reconnect-max-ms.");
  s.integer(
      "mqtt.reconnect-max-ms", [](auto& o) -> auto& { return o.mqtt.reconnect_max_ms; }, 10,
      10 * minute, "Longest wait between reconnect attempts.");
  s.boolean(
      "mqtt.tcp-nodelay", [](auto& o) -> auto& { return o.mqtt.tcp_nodelay; },
      "Set TCP_NODELAY on the broker socket (lower latency for small messages).");
  s.require_at_least("mqtt.reconnect-max-ms", "mqtt.reconnect-min-ms");

  // TLS (ssl:// URLs only). The files are checked (readable) when the node
  // connects, not here: --dump-config works on a machine without them.
  s.string(
      "mqtt.tls-ca", [](auto& o) -> auto& { return o.mqtt.tls_ca; },
      "With an ssl:// URL: PEM file of the CA(s) that sign the broker's certificate; empty: "
      "the system's CA store. The broker's certificate is always verified.");
  s.string(
      "mqtt.tls-certificate", [](auto& o) -> auto& { return o.mqtt.tls_certificate; },
      "PEM file with the node's client certificate (chain), for a broker that asks for one "
      "(require_certificate); set together with mqtt.tls-key; empty: none.");
  s.string(
      "mqtt.tls-key", [](auto& o) -> auto& { return o.mqtt.tls_key; },
      "PEM file with the private key of mqtt.tls-certificate.");
  s.string(
      "mqtt.tls-key-password", [](auto& o) -> auto& { return o.mqtt.tls_key_password; },
      "Passphrase of an encrypted mqtt.tls-key; empty: the key is not encrypted.");
  s.mark_secret("mqtt.tls-key-password");
  s.boolean(
      "mqtt.tls-verify-host", [](auto& o) -> auto& { return o.mqtt.tls_verify_host; },
      "With TLS, check that the broker's certificate names the host of mqtt.url (DNS name or "
      "IP address). false only for a broker reached by an address its certificate lacks.");
  s.add_rule({{"mqtt.tls-certificate", "mqtt.tls-key"},
              "only together with mqtt.tls-key",
              [](const settings& st) -> std::optional<config_error> {
                const bool cert = !st.string("mqtt.tls-certificate").empty();
                const bool key = !st.string("mqtt.tls-key").empty();
                if (cert == key)
                  return std::nullopt;
                const std::string set = cert ? "mqtt.tls-certificate" : "mqtt.tls-key";
                const std::string missing = cert ? "mqtt.tls-key" : "mqtt.tls-certificate";
                return config_error{missing, missing + ": must be set when " + set +
                                                 " is (a client certificate needs its key); "
                                                 "got \"\" (" +
                                                 st.origin(missing) + "), " + set + " = '" +
                                                 st.string(set) + "' (" + st.origin(set) + ")"};
              }});
  s.add_rule(
      {{"mqtt.tls-key-password", "mqtt.tls-key"},
       "only with mqtt.tls-key",
       [](const settings& st) -> std::optional<config_error> {
         if (st.string("mqtt.tls-key-password").empty() || !st.string("mqtt.tls-key").empty())
           return std::nullopt;
         return config_error{"mqtt.tls-key-password", "mqtt.tls-key-password: is set (" +
                                                          st.origin("mqtt.tls-key-password") +
                                                          ") but mqtt.tls-key is empty (" +
                                                          st.origin("mqtt.tls-key") + ")"};
       }});
  for (std::string key : {"mqtt.tls-ca", "mqtt.tls-certificate", "mqtt.tls-key"})
    s.add_rule({{key, "mqtt.url"},
                "only with an ssl:// mqtt.url",
                [key](const settings& st) -> std::optional<config_error> {
                  const auto& url = st.string("mqtt.url");
                  if (st.string(key).empty() || mqtt::client_options::is_tls_url(url))
                    return std::nullopt;
                  return config_error{key, key + ": set to '" + st.string(key) + "' (" +
                                               st.origin(key) + "), but mqtt.url = '" + url +
                                               "' (" + st.origin("mqtt.url") +
                                               ") does not use TLS: use ssl://host:port, or "
                                               "leave " +
                                               key + " empty"};
                }});
}

void add_redis_keys(schema<node_options>& s) {
  s.add_section("redis", "Redis, which holds the RSSI routing table and nothing else.");
  s.string(
      "redis.host", [](auto& o) -> auto& { return o.redis.host; },
      "Redis server host name or address.", "a non-empty host name or address", v::host);
  s.integer(
      "redis.port", [](auto& o) -> auto& { return o.redis.port; }, 1, 65535, "Redis server port.");
  s.string(
      "redis.password", [](auto& o) -> auto& { return o.redis.password; },
      "Sent with AUTH when not empty.");
  s.mark_secret("redis.password");
  s.string(
      "redis.username", [](auto& o) -> auto& { return o.redis.username; },
      "ACL user (Redis 6+): AUTH username password when set; empty: AUTH password only "
      "(the default user). docs/security.md has the least-privilege ACL.");
  s.integer(
      "redis.db", [](auto& o) -> auto& { return o.redis.db; }, 0, 15,
      "Database number (SELECT when not 0).");
  s.integer(
      "redis.connect-timeout-ms", [](auto& o) -> auto& { return o.redis.connect_timeout_ms; }, 10,
      minute, "Time allowed to connect.");
  s.integer(
      "redis.command-timeout-ms", [](auto& o) -> auto& { return o.redis.command_timeout_ms; }, 10,
      minute, "Socket read/write timeout for one command or one whole pipeline.");
  s.integer(
      "redis.reconnect-min-ms", [](auto& o) -> auto& { return o.redis.reconnect_min_ms; }, 10,
      minute,
      "First reconnect attempt after this; the wait doubles up to reconnect-max-ms. Calls "
      "fail fast while disconnected.");
  s.integer(
      "redis.reconnect-max-ms", [](auto& o) -> auto& { return o.redis.reconnect_max_ms; }, 10,
      10 * minute, "Longest wait between reconnect attempts.");
  s.string(
      "redis.key-prefix", [](auto& o) -> auto& { return o.route_table.key_prefix; },
      "Prefix of every Redis key written (\"sw\" gives \"sw:rt:{ESL}\").",
      "1 to 32 of A-Z a-z 0-9 _ . : -", v::name("_.:-", 1, 32));
  s.require_at_least("redis.reconnect-max-ms", "redis.reconnect-min-ms");
}

void add_cluster_keys(schema<node_options>& s) {
  s.add_section("cluster",
                "Cluster membership (CAF network layer) and reply delivery across nodes.");
  s.string(
      "cluster.bind", [](auto& o) -> auto& { return o.cluster.bind; },
      "Address the node's CAF endpoint listens on (0.0.0.0 for every interface).",
      "a host name or IP address", v::host);
  s.integer(
      "cluster.port", [](auto& o) -> auto& { return o.cluster.port; }, 0, 65535,
      "Port of the node's CAF endpoint; 0 picks a free port (logged and shown in metrics): "
      "set it on every node that others name as a seed.");
  s.string(
      "cluster.advertise-host", [](auto& o) -> auto& { return o.cluster.advertise_host; },
      "Host the other members use to reach this node; empty: cluster.bind (127.0.0.1 when "
      "binding every interface).",
      "a host name or IP address, or empty", v::optional(v::host));
  s.string(
      "cluster.seeds", [](auto& o) -> auto& { return o.cluster.seeds; },
      "Members to join at start, \"host:port,host:port\"; empty: a cluster of one until "
      "another node joins this one.",
      "comma-separated host:port items, port in [1, 65535]", v::endpoint_list);
  s.integer(
      "cluster.gossip-interval-ms", [](auto& o) -> auto& { return o.cluster.gossip_interval_ms; },
      50, minute,
      "How often unreachable seeds are tried again and the member list is gossiped to every "
      "member.");
  s.integer(
      "cluster.heartbeat-interval-ms",
      [](auto& o) -> auto& { return o.cluster.heartbeat_interval_ms; }, 10, minute,
      "Heartbeats between members (CAF middleman.heartbeat-interval).");
  s.integer(
      "cluster.failure-timeout-ms", [](auto& o) -> auto& { return o.cluster.failure_timeout_ms; },
      50, 10 * minute,
      "A member silent this long is down: the bound on detecting a frozen node (a killed one "
      "is detected at once). Must exceed cluster.heartbeat-interval-ms.");
  s.integer(
      "cluster.handoff-timeout-ms", [](auto& o) -> auto& { return o.cluster.handoff_timeout_ms; },
      0, hour,
      "After a membership change, how long the new owner of an ESL waits at most for the "
      "previous owner to finish that ESL's commands (one command in flight per ESL).");
  s.enumeration(
      "cluster.reply-routing", [](auto& o) -> auto& { return o.cluster.reply_routing; },
      {"addressed", "naive"},
      "addressed: a gateway reply reaches its command's actor on whichever node holds it; "
      "naive: replies for commands held by another node are dropped (the misrouting baseline, "
      "for comparison only).");
  s.require_at_least("cluster.failure-timeout-ms", "cluster.heartbeat-interval-ms");
  add_cluster_tls_keys(s);
}

void add_inspect_keys(schema<node_options>& s) {
  s.add_section("inspect", "shelfwire-inspect: views and control actions over the CAF endpoint.");
  s.string(
      "inspect.token", [](auto& o) -> auto& { return o.inspect.token; },
      "Admin token: control actions (shelfwire-inspect scale) must present it (it opens the "
      "views too); empty: control actions are refused.");
  s.mark_secret("inspect.token");
  s.string(
      "inspect.read-token", [](auto& o) -> auto& { return o.inspect.read_token; },
      "Read token: the views (members, jobs, commands, metrics...) must present it or the "
      "admin token; empty: views are open only while cluster.bind is a loopback address, "
      "refused otherwise.");
  s.mark_secret("inspect.read-token");
}

} // namespace shelfwire::config::node_keys
