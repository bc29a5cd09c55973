// The CSV job format of shelfwire-submit: `esl,op,args`, args `name=value;...`.

#include <algorithm>
#include <cctype>

#include "actors/intake/cli/job_file.hpp"
#include "runtime/core/text.hpp"

namespace shelfwire::submit {

namespace {

/// A field without its blanks and, if it is in double quotes, without them
/// ("" inside stands for one quote). Sets `error` on a bad quote.
std::string unquote(std::string_view f, std::string& error) {
  f = trim_blanks(f);
  if (f.empty() || f.front() != '"')
    return std::string{f};
  if (f.size() < 2 || f.back() != '"') {
    error = "unterminated double quote in " + quoted(f);
    return {};
  }
  std::string out;
  for (size_t i = 1; i + 1 < f.size(); ++i) {
    if (f[i] == '"') {
      if (i + 2 < f.size() && f[i + 1] == '"') {
        out += '"';
        ++i;
        continue;
      }
      error = "stray double quote in " + quoted(f) + " (write \"\" for a quote)";
      return {};
    }
    out += f[i];
  }
  return out;
}

/// `name=value;name=value` with `\;` and `\\` escapes; empty items are skipped.
std::string csv_args(std::string_view field, wire::arg_list& out) {
  std::vector<std::string> items(1);
  for (size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c == '\\' && i + 1 < field.size() && (field[i + 1] == ';' || field[i + 1] == '\\')) {
      items.back() += field[++i];
    } else if (c == ';') {
      items.emplace_back();
    } else {
      items.back() += c;
    }
  }
  for (auto& item : items) {
    auto t = trim_blanks(item);
    if (t.empty())
      continue;
    auto kv = parse_arg(t);
    if (!kv)
      return kv.error();
    auto name = trim_blanks(kv->first);
    if (name.empty())
      return "argument " + quoted(t) + " has an empty name (expected name=value)";
    out.emplace_back(std::string{name}, std::string{trim_blanks(kv->second)});
  }
  return "";
}

bool is_header(std::string_view first_field) {
  std::string f{first_field};
  std::transform(f.begin(), f.end(), f.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return f == "esl";
}

/// One line with content: "" and the command, or why not.
std::string csv_command(std::string_view line, const input_limits& lim, wire::job_command& out) {
  auto c1 = line.find(',');
  if (c1 == std::string_view::npos)
    return "expected esl,op[,args], got " + quoted(line);
  auto c2 = line.find(',', c1 + 1);
  std::string err;
  auto esl = unquote(line.substr(0, c1), err);
  auto op = unquote(
      line.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1),
      err);
  auto args = c2 == std::string_view::npos ? std::string{} : unquote(line.substr(c2 + 1), err);
  if (!err.empty())
    return err;
  auto mac = parse_esl(esl);
  if (!mac)
    return mac.error();
  out.esl = *mac;
  auto kind = parse_op_name(op);
  if (!kind)
    return kind.error();
  out.op = *kind;
  if (auto e = csv_args(args, out.args); !e.empty())
    return e;
  return check_args(out.args, lim);
}

} // namespace

input_result parse_csv_job(std::string_view text, const input_limits& lim) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") // a UTF-8 byte order mark
    text.remove_prefix(3);
  job_input in;
  bool first = true;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    auto where = "line " + std::to_string(line_no);
    if (line.size() > lim.max_line_bytes)
      return unexpected{where + ": longer than " + std::to_string(lim.max_line_bytes) + " bytes"};
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    auto t = trim_blanks(line);
    if (t.empty() || t.front() == '#')
      continue;
    if (first) {
      first = false;
      std::string ignored;
      if (is_header(unquote(t.substr(0, t.find(',')), ignored)))
        continue;
    }
    if (in.commands.size() == lim.max_commands)
      return unexpected{where + ": more than " + std::to_string(lim.max_commands) +
                        " commands, a node takes at most that many (--max-commands)"};
    wire::job_command cmd;
    if (auto e = csv_command(t, lim, cmd); !e.empty())
      return unexpected{where + ": " + e};
    in.commands.push_back(std::move(cmd));
    in.origins.push_back(std::move(where));
  }
  if (in.commands.empty())
    return unexpected{std::string{"the file has no commands (expected lines esl,op[,args])"}};
  return in;
}

} // namespace shelfwire::submit
