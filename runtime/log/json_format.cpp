#include "runtime/log/json_format.hpp"

#include <cstdio>

namespace shelfwire::log {

namespace {

constexpr size_t max_id_length = 128;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool is_hex(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/// Letters, digits and '_': a keyword must not follow one, and a MAC or a
/// decimal id must not be followed by one.
bool is_word(char c) {
  return is_alpha(c) || is_digit(c) || c == '_';
}

/// The job id alphabet (wire::check_job_id), also used for command ids.
bool is_id(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == ':' || c == '-';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

bool starts_with_nocase(std::string_view s, size_t pos, std::string_view word) {
  if (s.size() - pos < word.size())
    return false;
  for (size_t k = 0; k < word.size(); ++k)
    if (lower(s[pos + k]) != word[k])
      return false;
  return true;
}

bool all_id(std::string_view v) {
  if (v.empty() || v.size() > max_id_length)
    return false;
  for (char c : v)
    if (!is_id(c))
      return false;
  return true;
}

enum class field { job, command, esl };

/// A quoted value at `pos` ('...' or "...", without its quotes), or false.
bool quoted(std::string_view s, size_t pos, std::string_view& out) {
  if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"'))
    return false;
  auto end = s.find(s[pos], pos + 1);
  if (end == std::string_view::npos)
    return false;
  out = s.substr(pos + 1, end - pos - 1);
  return true;
}

/// 12 hex digits at `pos`, not followed by a letter, digit or '_'.
bool mac_at(std::string_view s, size_t pos, std::string_view& out) {
  size_t n = 0;
  while (pos + n < s.size() && n < 12 && is_hex(s[pos + n]))
    ++n;
  if (n != 12 || (pos + n < s.size() && is_word(s[pos + n])))
    return false;
  out = s.substr(pos, 12);
  return true;
}

bool is_mac(std::string_view v) {
  if (v.size() != 12)
    return false;
  for (char c : v)
    if (!is_hex(c))
      return false;
  return true;
}

/// The value of `f` at `pos` (just after the separator `sep`), or false.
bool value_at(std::string_view s, size_t pos, char sep, field f, std::string_view& out) {
  if (f == field::esl) {
    std::string_view q;
    if (sep == '=' && quoted(s, pos, q))
      return is_mac(q) ? (out = q, true) : false;
    return mac_at(s, pos, out);
  }
  std::string_view q;
  if (quoted(s, pos, q))
    return all_id(q) ? (out = q, true) : false;
  if (sep == '=') {
    size_t end = pos;
    while (end < s.size() && is_id(s[end]))
      ++end;
    while (end > pos && (s[end - 1] == '.' || s[end - 1] == ':'))
      --end;
    auto v = s.substr(pos, end - pos);
    return all_id(v) ? (out = v, true) : false;
  }
  // Prose: `job` only quoted (above); `command <digits>`.
  if (f != field::command)
    return false;
  size_t end = pos;
  while (end < s.size() && is_digit(s[end]))
    ++end;
  if (end == pos || end - pos > 20 || (end < s.size() && is_word(s[end])))
    return false;
  out = s.substr(pos, end - pos);
  return true;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ',';
  append_json_string(out, name);
  out += ':';
  append_json_string(out, value);
}

} // namespace

message_ids extract_ids(std::string_view s) {
  static constexpr std::pair<std::string_view, field> keywords[] = {{"job", field::job},
                                                                    {"command", field::command},
                                                                    {"cmd", field::command},
                                                                    {"esl", field::esl}};
  message_ids ids;
  bool found[3] = {false, false, false};
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && is_word(s[i - 1]))
      continue;
    for (auto& [word, f] : keywords) {
      auto slot = static_cast<size_t>(f);
      if (found[slot] || !starts_with_nocase(s, i, word))
        continue;
      size_t sep = i + word.size();
      if (sep >= s.size() || (s[sep] != '=' && s[sep] != ' '))
        continue;
      std::string_view v;
      if (!value_at(s, sep + 1, s[sep], f, v))
        continue;
      found[slot] = true;
      switch (f) {
      case field::job:
        ids.job = std::string{v};
        break;
      case field::command:
        ids.command = std::string{v};
        break;
      case field::esl:
        ids.esl.clear();
        for (char c : v)
          ids.esl += upper(c);
        break;
      }
    }
    if (found[0] && found[1] && found[2])
      break;
  }
  return ids;
}

std::string iso8601_utc_ms(int64_t unix_ms) {
  constexpr int64_t ms_per_day = 86'400'000;
  int64_t days = unix_ms / ms_per_day;
  int64_t ms = unix_ms % ms_per_day;
  if (ms < 0) {
    ms += ms_per_day;
    --days;
  }
  // Civil date of a day count (H. Hinnant's days_from_civil, inverted).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[160]; // room for any int64 fields: -Wformat-truncation
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(ms / 3'600'000),
                static_cast<long long>(ms / 60'000 % 60), static_cast<long long>(ms / 1000 % 60),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string format_json_line(const log_entry& e) {
  std::string out;
  out.reserve(96 + e.node.size() + e.module.size() + e.message.size());
  out += "{\"time\":\"";
  out += iso8601_utc_ms(e.unix_ms);
  out += '"';
  append_field(out, "level", e.level);
  append_field(out, "node", e.node);
  append_field(out, "module", e.module);
  append_field(out, "message", e.message);
  auto ids = extract_ids(e.message);
  if (!ids.job.empty())
    append_field(out, "job", ids.job);
  if (!ids.command.empty())
    append_field(out, "command", ids.command);
  if (!ids.esl.empty())
    append_field(out, "esl", ids.esl);
  out += '}';
  return out;
}

} // namespace shelfwire::log
