#include "actors/intake/cli/job_file.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <set>

#include "runtime/core/json_reader.hpp"
#include "runtime/core/utf8.hpp"

namespace shelfwire::submit {

std::string_view to_string(input_format f) {
  return f == input_format::json ? "json" : "csv";
}

std::string quoted(std::string_view s, size_t max) {
  std::string out = "\"";
  size_t n = std::min(s.size(), max);
  for (size_t i = 0; i < n;) {
    auto c = static_cast<unsigned char>(s[i]);
    auto len = utf8_char_length(s, i);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F || len == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out.append(s.data() + i, len); // printable ASCII or a whole UTF-8 character
      i += len;
      continue;
    }
    ++i;
  }
  out += '"';
  if (s.size() > max)
    out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

// -- fields --------------------------------------------------------------------

expected<esl_mac, std::string> parse_esl(std::string_view s) {
  std::string digits;
  digits.reserve(12);
  for (char c : s)
    if (c != ':' && c != '-')
      digits += c;
  if (auto mac = esl_mac::parse(digits))
    return *mac;
  return unexpected{"bad ESL " + quoted(s) + ": expected 12 hex digits (AABBCCDDEEFF)"};
}

expected<wire::op_kind, std::string> parse_op_name(std::string_view s) {
  if (auto op = wire::parse_op(s))
    return *op;
  std::string legal;
  for (auto op : wire::all_ops)
    legal += (legal.empty() ? "" : ", ") + std::string{wire::to_string(op)};
  return unexpected{"unknown operation " + quoted(s) + " (expected one of " + legal + ")"};
}

expected<std::pair<std::string, std::string>, std::string> parse_arg(std::string_view s) {
  auto eq = s.find('=');
  if (eq == std::string_view::npos)
    return unexpected{"argument " + quoted(s) + " has no '=' (expected name=value)"};
  if (eq == 0)
    return unexpected{"argument " + quoted(s) + " has an empty name (expected name=value)"};
  return std::pair<std::string, std::string>{std::string{s.substr(0, eq)},
                                             std::string{s.substr(eq + 1)}};
}

std::string check_args(const wire::arg_list& args, const input_limits& lim) {
  if (args.size() > lim.max_args)
    return std::to_string(args.size()) + " arguments, a node takes at most " +
           std::to_string(lim.max_args);
  std::set<std::string_view> names;
  for (auto& [name, value] : args) {
    if (name.empty())
      return "an argument has an empty name";
    if (name.size() > lim.max_string_bytes)
      return "argument name " + quoted(name) + " is longer than " +
             std::to_string(lim.max_string_bytes) + " bytes";
    if (value.size() > lim.max_string_bytes)
      return "argument " + quoted(name) + " has a value of " + std::to_string(value.size()) +
             " bytes, a node takes at most " + std::to_string(lim.max_string_bytes);
    if (!names.insert(name).second)
      return "argument " + quoted(name) + " is given twice";
  }
  return "";
}

// -- JSON ----------------------------------------------------------------------

namespace {

std::string got(const json_value& v) {
  return std::string{"got "} + std::string{to_string(v.k)};
}

/// Only the names in `allowed`, each at most once. "" if fine.
std::string check_keys(const json_value& obj, std::initializer_list<std::string_view> allowed) {
  std::set<std::string_view> seen;
  for (auto& [name, v] : obj.object) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string legal;
      for (auto a : allowed)
        legal += (legal.empty() ? "" : ", ") + std::string{a};
      return "unknown key " + quoted(name) + " (expected " + legal + ")";
    }
    if (!seen.insert(name).second)
      return "key " + quoted(name) + " is given twice";
  }
  return "";
}

/// One element of "commands": {"esl": "...", "op": "...", "args": {...}}.
std::string json_command(const json_value& v, const input_limits& lim, wire::job_command& out) {
  if (!v.is_object())
    return "expected an object {\"esl\": ..., \"op\": ...}, " + got(v);
  if (auto e = check_keys(v, {"esl", "op", "args"}); !e.empty())
    return e;
  auto* esl = v.find("esl");
  if (!esl)
    return "'esl' is missing";
  if (!esl->is_string())
    return "'esl' must be a string, " + got(*esl);
  auto mac = parse_esl(esl->text);
  if (!mac)
    return "'esl': " + mac.error();
  out.esl = *mac;
  auto* op = v.find("op");
  if (!op)
    return "'op' is missing";
  if (!op->is_string())
    return "'op' must be a string, " + got(*op);
  auto kind = parse_op_name(op->text);
  if (!kind)
    return "'op': " + kind.error();
  out.op = *kind;
  auto* args = v.find("args");
  if (!args || args->is_null())
    return "";
  if (!args->is_object())
    return "'args' must be an object of strings, " + got(*args);
  for (auto& [name, value] : args->object) {
    if (!value.is_string())
      return "'args': the value of " + quoted(name) + " must be a string" +
             (value.is_number() ? " (write \"" + value.text + "\")" : std::string{}) + ", " +
             got(value);
    out.args.emplace_back(name, value.text);
  }
  if (auto e = check_args(out.args, lim); !e.empty())
    return "'args': " + e;
  return "";
}

constexpr std::string_view file_keys[4] = {"'priority'", "'rate'", "'abort_threshold'",
                                           "'abort_min_outcomes'"};

/// The rollout keys of a JSON job's top level. "" if fine.
std::string json_rollout(const json_value& doc, rollout_input& out) {
  if (auto* p = doc.find("priority"); p && !p->is_null()) {
    if (!p->is_string())
      return "'priority' must be a string, " + got(*p);
    out.prio = parse_priority(p->text);
    if (!out.prio)
      return "'priority': expected \"high\", \"normal\" or \"bulk\", got " + quoted(p->text);
  }
  auto number = [&](std::string_view key, std::optional<double>& to) -> std::string {
    auto* v = doc.find(key);
    if (!v || v->is_null())
      return "";
    if (!v->is_number())
      return "'" + std::string{key} + "' must be a number, " + got(*v);
    to = v->number;
    return "";
  };
  if (auto e = number("rate", out.rate_per_s); !e.empty())
    return e;
  if (auto e = number("abort_threshold", out.abort_threshold); !e.empty())
    return e;
  std::optional<double> min;
  if (auto e = number("abort_min_outcomes", min); !e.empty())
    return e;
  if (min) {
    if (*min != static_cast<double>(static_cast<int64_t>(*min)) || *min < 1 ||
        *min > wire::max_abort_min_outcomes)
      return "'abort_min_outcomes' must be an integer in [1, " +
             std::to_string(wire::max_abort_min_outcomes) + "], got " +
             doc.find("abort_min_outcomes")->text;
    out.abort_min_outcomes = static_cast<uint32_t>(*min);
  }
  return check_rollout(out, file_keys);
}

} // namespace

std::string check_rollout(const rollout_input& r, const std::string_view (&names)[4]) {
  auto show = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string{buf};
  };
  if (r.rate_per_s &&
      !(*r.rate_per_s >= wire::min_rate_per_s && *r.rate_per_s <= wire::max_rate_per_s))
    return std::string{names[1]} + ": commands per second must be in [" +
           show(wire::min_rate_per_s) + ", " + show(wire::max_rate_per_s) + "], got " +
           show(*r.rate_per_s);
  if (r.abort_threshold && !(*r.abort_threshold > 0 && *r.abort_threshold <= 1))
    return std::string{names[2]} + ": share of failed commands must be in (0, 1], got " +
           show(*r.abort_threshold);
  if (r.abort_min_outcomes &&
      (*r.abort_min_outcomes < 1 || *r.abort_min_outcomes > wire::max_abort_min_outcomes))
    return std::string{names[3]} + ": must be in [1, " +
           std::to_string(wire::max_abort_min_outcomes) + "]";
  return "";
}

void apply_rollout(wire::job_submission& job, const rollout_input& file,
                   const rollout_input& flags) {
  for (auto* r : {&file, &flags}) {
    if (r->prio)
      job.prio = *r->prio;
    if (r->rate_per_s)
      job.rate_per_s = r->rate_per_s;
    if (r->abort_threshold)
      job.abort_threshold = r->abort_threshold;
    if (r->abort_min_outcomes)
      job.abort_min_outcomes = *r->abort_min_outcomes;
  }
}

input_result parse_json_job(std::string_view text, const input_limits& lim) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return unexpected{std::string{"the file is empty (expected a JSON job)"}};
  std::string err;
  auto doc = json_parser::parse(text, &err);
  if (!doc)
    return unexpected{"not valid JSON: " + err};
  job_input in;
  const json_value* commands = &*doc;
  if (doc->is_object()) {
    if (auto e = check_keys(*doc, {"v", "job", "commands", "priority", "rate", "abort_threshold",
                                   "abort_min_outcomes"});
        !e.empty())
      return unexpected{"top level: " + e};
    if (auto e = json_rollout(*doc, in.rollout); !e.empty())
      return unexpected{"top level: " + e};
    if (auto* v = doc->find("v"); v && !(v->is_count() && v->text == "1"))
      return unexpected{"top level: 'v' must be 1 (the protocol version), got " +
                        (v->is_number() ? v->text : std::string{to_string(v->k)})};
    if (auto* job = doc->find("job")) {
      if (!job->is_string())
        return unexpected{"top level: 'job' must be a string, " + got(*job)};
      if (auto why = wire::check_job_id(job->text); !why.empty())
        return unexpected{"top level: 'job': " + why};
      in.job = job->text;
    }
    commands = doc->find("commands");
    if (!commands)
      return unexpected{std::string{"top level: 'commands' is missing"}};
  }
  if (!commands->is_array())
    return unexpected{"expected an array of commands or an object {\"job\", \"commands\"}, " +
                      got(*commands)};
  if (commands->array.empty())
    return unexpected{std::string{"the job has no commands"}};
  if (commands->array.size() > lim.max_commands)
    return unexpected{std::to_string(commands->array.size()) + " commands, a node takes at most " +
                      std::to_string(lim.max_commands) + " (--max-commands)"};
  in.commands.reserve(commands->array.size());
  in.origins.reserve(commands->array.size());
  for (size_t i = 0; i < commands->array.size(); ++i) {
    auto& c = commands->array[i];
    auto origin = "commands[" + std::to_string(i) + "] (line " + std::to_string(c.line) + ")";
    wire::job_command cmd;
    if (auto e = json_command(c, lim, cmd); !e.empty())
      return unexpected{origin + ": " + e};
    in.commands.push_back(std::move(cmd));
    in.origins.push_back(std::move(origin));
  }
  return in;
}

// -- files ---------------------------------------------------------------------

std::optional<input_format> parse_format(std::string_view s) {
  if (s == "json")
    return input_format::json;
  if (s == "csv")
    return input_format::csv;
  return std::nullopt;
}

std::optional<input_format> format_of_path(std::string_view path) {
  auto dot = path.rfind('.');
  auto slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return std::nullopt;
  std::string ext{path.substr(dot + 1)};
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return parse_format(ext);
}

input_result load_job_file(const std::string& path, std::optional<input_format> format,
                           const input_limits& lim) {
  const std::string name = path == "-" ? std::string{"standard input"} : path;
  if (!format)
    format = format_of_path(path);
  if (!format)
    return unexpected{name + ": cannot tell the format from the name; use --format json|csv"};
  std::string text;
  auto read = [&](std::istream& in) {
    char buf[64 * 1024];
    while (text.size() <= lim.max_file_bytes && in.read(buf, sizeof buf).gcount() > 0)
      text.append(buf, static_cast<size_t>(in.gcount()));
  };
  if (path == "-") {
    read(std::cin);
  } else {
    std::ifstream in{path, std::ios::binary};
    if (!in)
      return unexpected{path + ": cannot open the file"};
    read(in);
    if (in.bad())
      return unexpected{path + ": cannot read the file"};
  }
  if (text.size() > lim.max_file_bytes)
    return unexpected{name + ": larger than " + std::to_string(lim.max_file_bytes) + " bytes"};
  auto r = *format == input_format::json ? parse_json_job(text, lim) : parse_csv_job(text, lim);
  if (!r)
    return unexpected{name + ": " + r.error()};
  return r;
}

// -- arguments, encoding, ids ------------------------------------------------

input_result job_from_arguments(const std::vector<std::string>& esls, std::string_view op,
                                const std::vector<std::string>& args, const input_limits& lim) {
  if (esls.empty())
    return unexpected{std::string{"--esl is missing"}};
  if (op.empty())
    return unexpected{std::string{"--op is missing"}};
  auto kind = parse_op_name(op);
  if (!kind)
    return unexpected{"--op: " + kind.error()};
  wire::arg_list list;
  for (auto& a : args) {
    auto kv = parse_arg(a);
    if (!kv)
      return unexpected{"--arg: " + kv.error()};
    list.push_back(std::move(*kv));
  }
  if (auto e = check_args(list, lim); !e.empty())
    return unexpected{"--arg: " + e};
  if (esls.size() > lim.max_commands)
    return unexpected{std::to_string(esls.size()) + " ESLs, a node takes at most " +
                      std::to_string(lim.max_commands)};
  job_input in;
  for (auto& e : esls) {
    auto mac = parse_esl(e);
    if (!mac)
      return unexpected{"--esl: " + mac.error()};
    in.commands.push_back(wire::job_command{*mac, *kind, list});
    in.origins.push_back("--esl " + e);
  }
  return in;
}

expected<std::string, std::string> encode_checked(const wire::job_submission& job,
                                                  const std::vector<std::string>& origins,
                                                  const input_limits& lim) {
  if (auto why = wire::check_job_id(job.job); !why.empty())
    return unexpected{"job id " + quoted(job.job) + ": " + why};
  std::string payload;
  wire::encode(job, payload);
  if (payload.size() > lim.max_payload_bytes)
    return unexpected{"the job is " + std::to_string(payload.size()) +
                      " bytes as MessagePack, a node takes at most " +
                      std::to_string(lim.max_payload_bytes) + " (--max-payload-bytes)"};
  wire::decode_limits dl;
  dl.max_bytes = lim.max_payload_bytes;
  dl.max_array = lim.max_commands;
  auto back = wire::decode_job(payload, dl);
  if (back)
    return payload;
  // "commands[17].esl" -> the command's origin.
  auto& key = back.error().key;
  std::string where;
  if (key.rfind("commands[", 0) == 0) {
    size_t i = std::strtoul(key.c_str() + 9, nullptr, 10);
    if (i < origins.size())
      where = origins[i] + ": ";
  }
  return unexpected{where + "a node would refuse the job: " + back.error().to_string()};
}

std::string generate_job_id(std::string_view host, int64_t wall_ms, uint64_t random) {
  std::string h;
  for (char c : host.substr(0, 40)) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    h += ok ? c : '_';
  }
  if (h.empty())
    h = "host";
  std::time_t t = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  char rnd[16];
  std::snprintf(rnd, sizeof rnd, "%08x", static_cast<unsigned>(random & 0xFFFFFFFFu));
  return "submit-" + h + "-" + stamp + "-" + rnd;
}

} // namespace shelfwire::submit
