#include "runtime/routing/route_table.hpp"

#include <algorithm>
#include <string_view>

#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"

namespace shelfwire::routing {

namespace {

// Both scripts read Redis' own clock (TIME): nodes' clocks never matter, and
// Redis 7 replicates the scripts' effects, so a non-deterministic command is
// allowed. The data model and the rule are documented in
// docs/routing-table.md; the rule is the Lua twin of replaces_preferred()
// (runtime/routing/rssi_rule.hpp) and the differential test pins them together.
//
// Hash per ESL: field `p` = preferred gateway MAC, fields `g:{GW}` =
// "{rssi}|{seen_ms}". Ranking of gateways, best first: higher rssi, then the
// smaller MAC (a total order, so that pruning and lookups are deterministic).

/// KEYS: the table's birth key, then ESL hashes. ARGV: gw, stale_after_ms,
/// forget_after_ms, max_candidates, then one rssi per ESL key (decimal, as
/// the client formats it). Returns the number of ESLs whose preferred
/// gateway changed. The birth key records (SET NX) when the table was first
/// written since Redis last lost it: lookups use it to tell a table being
/// rebuilt from one that truly has no route.
///
/// Cost matters here (one advert = one key): the common path reads the hash
/// once (HGETALL), parses only the preferred entry, and writes with one HSET
/// and one PEXPIRE. Only a hash that grows past max_candidates takes the
/// prune path, which parses every entry.
constexpr std::string_view update_script = R"lua(#!lua
local gw = ARGV[1]
local stale = tonumber(ARGV[2])
local forget = ARGV[3]
local maxc = math.max(1, tonumber(ARGV[4]))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local suffix = '|' .. string.format('%d', now)
local gfield = 'g:' .. gw
local changes = 0
redis.call('SET', KEYS[1], now, 'NX')
local function parse(v)
  local bar = string.find(v, '|', 1, true)
  if not bar then return nil end
  return tonumber(string.sub(v, 1, bar - 1)), tonumber(string.sub(v, bar + 1))
end
for i = 2, #KEYS do
  local key = KEYS[i]
  local rs = ARGV[3 + i]
  local rssi = tonumber(rs)
  local h = redis.call('HGETALL', key)
  local m = {}
  for j = 1, #h, 2 do m[h[j]] = h[j + 1] end
  local p = m.p
  local n = #h / 2
  if p then n = n - 1 end
  if not m[gfield] then n = n + 1 end
  -- The thesis' rule with staleness, as replaces_preferred() in C++:
  -- no preferred, stale preferred, same gateway, or strictly stronger.
  local newp = p
  if p ~= gw then
    local cr, cs
    if p and m['g:' .. p] then cr, cs = parse(m['g:' .. p]) end
    if (not cr) or (not cs) or (now - cs > stale) or (rssi > cr) then newp = gw end
  end
  local val = rs .. suffix
  if newp ~= p then
    changes = changes + 1
    redis.call('HSET', key, 'p', newp, gfield, val)
  else
    redis.call('HSET', key, gfield, val)
  end
  if n > maxc then
    -- Keep at most maxc gateways: drop stale ones first, then the weakest
    -- (ties: the larger MAC); never the preferred. Unparsable entries go.
    m[gfield] = val
    local pf = 'g:' .. newp
    local others, del = {}, {}
    for f, v in pairs(m) do
      if f ~= 'p' and f ~= pf then
        local r, s = parse(v)
        if r and s then others[#others + 1] = {f, r, now - s > stale} else del[#del + 1] = f end
      end
    end
    local excess = #others + 1 - maxc
    if excess > 0 then
      table.sort(others, function(a, b)
        if a[3] ~= b[3] then return a[3] end
        if a[2] ~= b[2] then return a[2] < b[2] end
        return a[1] > b[1]
      end)
      for k = 1, excess do del[#del + 1] = others[k][1] end
    end
    if #del > 0 then redis.call('HDEL', key, unpack(del)) end
  end
  redis.call('PEXPIRE', key, forget)
end
return changes
)lua";

/// KEYS: the table's birth key, then ESL hashes. ARGV: stale_after_ms,
/// max_candidates. Returns one flat array: first the table's age in ms (-1:
/// no birth key, nothing written since Redis lost the table), then for each
/// ESL key in order, the number n of fresh gateways, then n
/// triples (field `g:{GW}`, rssi, age_ms): the preferred first (if fresh),
/// then by rssi descending. Flat to stay cheap: one Lua table for the whole
/// answer, the comparator built once, field names returned as stored.
constexpr std::string_view lookup_script = R"lua(#!lua flags=no-writes
local stale = tonumber(ARGV[1])
local maxc = math.max(1, tonumber(ARGV[2]))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pf = false
local function better(a, b)
  local ap, bp = a[1] == pf, b[1] == pf
  if ap ~= bp then return ap end
  if a[2] ~= b[2] then return a[2] > b[2] end
  return a[1] < b[1]
end
local born = tonumber(redis.call('GET', KEYS[1]))
local out = {born and math.max(now - born, 0) or -1}
local o = 1
for i = 2, #KEYS do
  local h = redis.call('HGETALL', KEYS[i])
  pf = false
  local fresh = {}
  local nf = 0
  for j = 1, #h, 2 do
    local f = h[j]
    if f == 'p' then
      pf = 'g:' .. h[j + 1]
    else
      local v = h[j + 1]
      local bar = string.find(v, '|', 1, true)
      local r = bar and tonumber(string.sub(v, 1, bar - 1))
      local s = bar and tonumber(string.sub(v, bar + 1))
      if r and s then
        local age = now - s
        if age <= stale then
          if age < 0 then age = 0 end
          nf = nf + 1
          fresh[nf] = {f, r, age}
        end
      end
    end
  end
  if nf > 1 then table.sort(fresh, better) end
  if nf > maxc then nf = maxc end
  o = o + 1
  out[o] = nf
  for k = 1, nf do
    local c = fresh[k]
    out[o + 1] = c[1]
    out[o + 2] = c[2]
    out[o + 3] = c[3]
    o = o + 3
  end
end
return out
)lua";

bool is_noscript(const redis::reply& r) {
  return r.is_error() && r.str.compare(0, 8, "NOSCRIPT") == 0;
}

/// Escapes SCAN MATCH glob characters so a prefix matches literally.
std::string glob_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

/// Decodes one lookup call's flat answer into `n` routes and the table's
/// age. False if the reply does not have the script's shape (an error
/// reply, for instance).
bool parse_lookup_reply(const redis::reply& r, const esl_mac* esls, size_t n, route* dst,
                        int64_t& table_age_ms) {
  if (r.type != redis::reply::kind::array || r.elements.empty() ||
      r.elements[0].type != redis::reply::kind::integer)
    return false;
  auto& flat = r.elements;
  table_age_ms = flat[0].integer;
  size_t i = 1;
  for (size_t k = 0; k < n; ++k) {
    if (i >= flat.size() || flat[i].type != redis::reply::kind::integer || flat[i].integer < 0)
      return false;
    auto count = static_cast<size_t>(flat[i].integer);
    ++i;
    if (flat.size() - i < 3 * count)
      return false;
    auto& rt = dst[k];
    rt.esl = esls[k];
    rt.candidates.clear();
    rt.candidates.reserve(count);
    for (size_t c = 0; c < count; ++c, i += 3) {
      auto& field = flat[i].str;
      auto gw = field.size() > 2 ? gw_mac::parse(std::string_view{field}.substr(2))
                                 : std::optional<gw_mac>{};
      if (!gw || flat[i + 1].type != redis::reply::kind::integer ||
          flat[i + 2].type != redis::reply::kind::integer)
        continue; // not written by us: skip rather than route to garbage
      rt.candidates.push_back(
          {*gw, static_cast<int32_t>(flat[i + 1].integer), flat[i + 2].integer});
    }
  }
  return i == flat.size();
}

size_t chunk_size(const route_table_options& o) {
  return static_cast<size_t>(std::max(o.max_keys_per_call, 1));
}

} // namespace

route_table::route_table(redis::connection& conn, route_table_options opts)
    : conn_(conn)
    , opts_(std::move(opts))
    , key_base_(opts_.key_prefix + ":rt:")
    , born_key_(opts_.key_prefix + ":rt-born") {}

bool route_table::warming() const {
  // Age -1 (no birth key) is below any warm-up; warmup_ms = 0 turns it off.
  return opts_.warmup_ms > 0 && last_table_age_ms_ < opts_.warmup_ms;
}

const route_table_options& route_table::options() const {
  return opts_;
}

std::string route_table::key_of(esl_mac esl) const {
  return key_base_ + esl.to_string();
}

redis::errc route_table::load_scripts() {
  std::vector<redis::command> cmds{
      {"SCRIPT", "LOAD", std::string{update_script}},
      {"SCRIPT", "LOAD", std::string{lookup_script}},
  };
  std::vector<redis::reply> replies;
  auto e = conn_.pipeline(cmds, replies);
  if (e != redis::errc::ok)
    return e;
  ++stats_.script_loads;
  for (auto& r : replies) {
    if (r.type != redis::reply::kind::string) {
      ++stats_.server_errors;
      if (error_log_.allow(steady_now_us()))
        log::get("routing")->error("loading the routing scripts into redis failed: {}",
                                   r.is_error() ? r.str : std::string{"unexpected reply"});
      update_sha_.clear();
      lookup_sha_.clear();
      return redis::errc::server_error;
    }
  }
  update_sha_ = replies[0].str;
  lookup_sha_ = replies[1].str;
  log::get("routing")->debug("routing scripts loaded (update {}, lookup {})", update_sha_,
                             lookup_sha_);
  return redis::errc::ok;
}

redis::errc route_table::ensure_scripts() {
  if (!update_sha_.empty() && !lookup_sha_.empty())
    return redis::errc::ok;
  return load_scripts();
}

redis::errc route_table::run_scripts(std::vector<redis::command>& cmds,
                                     std::vector<redis::reply>& replies) {
  stats_.script_calls += cmds.size();
  auto e = conn_.pipeline(cmds, replies);
  if (e != redis::errc::ok)
    return e;
  // NOSCRIPT: Redis lost its script cache (restart, SCRIPT FLUSH). Those
  // calls did not run: load the scripts again (same text, same SHA) and
  // resend exactly them, in order, in one more round trip.
  std::vector<size_t> missing;
  for (size_t i = 0; i < replies.size(); ++i)
    if (is_noscript(replies[i]))
      missing.push_back(i);
  if (missing.empty())
    return redis::errc::ok;
  log::get("routing")->info("redis lost the routing scripts (restart?); reloading them");
  if (auto le = load_scripts(); le != redis::errc::ok) {
    replies.clear();
    return le;
  }
  std::vector<redis::command> again;
  again.reserve(missing.size());
  for (auto i : missing)
    again.push_back(cmds[i]); // the SHA is the script text's: unchanged by the reload
  std::vector<redis::reply> again_replies;
  stats_.script_calls += again.size();
  e = conn_.pipeline(again, again_replies);
  if (e != redis::errc::ok) {
    replies.clear();
    return e;
  }
  for (size_t k = 0; k < missing.size(); ++k)
    replies[missing[k]] = std::move(again_replies[k]);
  return redis::errc::ok;
}

redis::errc route_table::apply(const std::vector<status_update>& updates) {
  const size_t chunk = chunk_size(opts_);
  size_t total = 0;
  for (auto& u : updates)
    total += u.adverts.size();
  if (total == 0)
    return redis::errc::ok;
  if (auto e = ensure_scripts(); e != redis::errc::ok)
    return e;

  const std::string stale = std::to_string(opts_.stale_after_ms);
  const std::string forget = std::to_string(std::max<int64_t>(opts_.forget_after_ms, 1));
  const std::string maxc = std::to_string(std::max(opts_.max_candidates, 1));
  std::vector<redis::command> cmds;
  std::vector<size_t> sizes;
  for (auto& u : updates) {
    const std::string gw = u.gw.to_string();
    for (size_t off = 0; off < u.adverts.size(); off += chunk) {
      size_t n = std::min(chunk, u.adverts.size() - off);
      redis::command c;
      c.reserve(3 + n + 4 + n);
      c.emplace_back("EVALSHA");
      c.push_back(update_sha_);
      c.push_back(std::to_string(n + 1));
      c.push_back(born_key_);
      for (size_t k = 0; k < n; ++k)
        c.push_back(key_of(u.adverts[off + k].esl));
      c.push_back(gw);
      c.push_back(stale);
      c.push_back(forget);
      c.push_back(maxc);
      for (size_t k = 0; k < n; ++k)
        c.push_back(std::to_string(u.adverts[off + k].rssi));
      cmds.push_back(std::move(c));
      sizes.push_back(n);
    }
  }

  std::vector<redis::reply> replies;
  if (auto e = run_scripts(cmds, replies); e != redis::errc::ok)
    return e;
  size_t failed = 0;
  const redis::reply* first_error = nullptr;
  for (size_t i = 0; i < replies.size(); ++i) {
    auto& r = replies[i];
    if (r.type == redis::reply::kind::integer) {
      stats_.adverts_applied += sizes[i];
      stats_.preferred_changes += static_cast<uint64_t>(std::max<int64_t>(r.integer, 0));
      continue;
    }
    ++failed;
    if (!first_error)
      first_error = &r;
  }
  if (failed == 0)
    return redis::errc::ok;
  stats_.server_errors += failed;
  if (error_log_.allow(steady_now_us()))
    log::get("routing")->error(
        "{} of {} routing update calls failed in redis: {}", failed, replies.size(),
        first_error->is_error() ? first_error->str : std::string{"unexpected reply"});
  return redis::errc::server_error;
}

redis::errc route_table::lookup(const std::vector<esl_mac>& esls, std::vector<route>& out) {
  out.clear();
  int64_t table_age_ms = -1;
  if (esls.empty())
    return redis::errc::ok;
  if (auto e = ensure_scripts(); e != redis::errc::ok)
    return e;

  const size_t chunk = chunk_size(opts_);
  const std::string stale = std::to_string(opts_.stale_after_ms);
  const std::string maxc = std::to_string(std::max(opts_.max_candidates, 1));
  std::vector<redis::command> cmds;
  for (size_t off = 0; off < esls.size(); off += chunk) {
    size_t n = std::min(chunk, esls.size() - off);
    redis::command c;
    c.reserve(3 + n + 2);
    c.emplace_back("EVALSHA");
    c.push_back(lookup_sha_);
    c.push_back(std::to_string(n + 1));
    c.push_back(born_key_);
    for (size_t k = 0; k < n; ++k)
      c.push_back(key_of(esls[off + k]));
    c.push_back(stale);
    c.push_back(maxc);
    cmds.push_back(std::move(c));
  }

  std::vector<redis::reply> replies;
  if (auto e = run_scripts(cmds, replies); e != redis::errc::ok)
    return e;

  out.resize(esls.size());
  const redis::reply* bad = nullptr;
  size_t failed = 0;
  for (size_t ci = 0; ci < replies.size(); ++ci) {
    auto& r = replies[ci];
    size_t off = ci * chunk;
    size_t n = std::min(chunk, esls.size() - off);
    int64_t age_ms = -1;
    if (!parse_lookup_reply(r, esls.data() + off, n, out.data() + off, age_ms)) {
      ++failed;
      if (!bad)
        bad = &r;
      continue;
    }
    table_age_ms = ci == 0 ? age_ms : std::min(table_age_ms, age_ms);
  }
  if (failed == 0) {
    last_table_age_ms_ = table_age_ms;
    return redis::errc::ok;
  }
  out.clear();
  stats_.server_errors += failed;
  if (error_log_.allow(steady_now_us()))
    log::get("routing")->error("{} of {} routing lookup calls failed in redis: {}", failed,
                               replies.size(),
                               bad->is_error() ? bad->str : std::string{"unexpected reply"});
  return redis::errc::server_error;
}

redis::errc route_table::clear() {
  const std::string pattern = glob_escape(key_base_) + "*";
  std::string cursor = "0";
  redis::reply r;
  do {
    auto e = conn_.call({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}, r);
    if (e != redis::errc::ok)
      return e;
    if (r.type != redis::reply::kind::array || r.elements.size() != 2 ||
        r.elements[1].type != redis::reply::kind::array) {
      log::get("routing")->error("SCAN failed while clearing the routing table: {}",
                                 r.is_error() ? r.str : std::string{"unexpected reply"});
      return redis::errc::server_error;
    }
    cursor = r.elements[0].str;
    auto& keys = r.elements[1].elements;
    if (!keys.empty()) {
      redis::command unlink{"UNLINK"};
      unlink.reserve(keys.size() + 1);
      for (auto& k : keys)
        unlink.push_back(std::move(k.str));
      redis::reply ur;
      if (auto ue = conn_.call(unlink, ur); ue != redis::errc::ok)
        return ue;
      if (ur.is_error()) {
        log::get("routing")->error("UNLINK failed while clearing the routing table: {}", ur.str);
        return redis::errc::server_error;
      }
    }
  } while (cursor != "0");
  if (auto e = conn_.call({"UNLINK", born_key_}, r); e != redis::errc::ok)
    return e;
  return redis::errc::ok;
}

} // namespace shelfwire::routing
