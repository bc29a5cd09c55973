#include "config/ini.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

namespace shelfwire::config {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

bool is_name_char(char c, bool allow_dot) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || (allow_dot && c == '.');
}

bool is_name(std::string_view s, bool allow_dot) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!is_name_char(c, allow_dot))
      return false;
  return true;
}

bool is_comment_start(char c) {
  return c == ';' || c == '#';
}

/// After a closing quote or bracket: only whitespace or a comment may follow.
bool only_comment_left(std::string_view rest) {
  rest = trim(rest);
  return rest.empty() || is_comment_start(rest.front());
}

/// Reads a quoted string starting at s[pos] (the quote). On success, pos is
/// just past the closing quote.
bool read_quoted(std::string_view s, size_t& pos, std::string& out, std::string& err) {
  char q = s[pos++];
  out.clear();
  while (pos < s.size()) {
    char c = s[pos++];
    if (c == q)
      return true;
    if (c == '\\' && q == '"') {
      if (pos >= s.size())
        break;
      char e = s[pos++];
      switch (e) {
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      default:
        err = std::string{"unknown escape '\\"} + e +
              "' in a quoted string (use \\\\, \\\", \\n, "
              "\\r or \\t)";
        return false;
      }
      continue;
    }
    out += c;
  }
  err = std::string{"unterminated string: missing closing "} + q;
  return false;
}

expected<ini_value, std::string> parse_list(std::string_view s) {
  // s starts with '['.
  ini_value v;
  v.is_list = true;
  size_t pos = 1;
  auto skip_ws = [&] {
    while (pos < s.size() && is_space(s[pos]))
      ++pos;
  };
  skip_ws();
  if (pos < s.size() && s[pos] == ']') {
    ++pos;
  } else {
    for (;;) {
      skip_ws();
      if (pos >= s.size())
        return unexpected{std::string{"unterminated list: missing ']' (lists fit on one line)"}};
      ini_value item;
      char c = s[pos];
      size_t start = pos;
      if (c == '"' || c == '\'') {
        std::string err;
        if (!read_quoted(s, pos, item.text, err))
          return unexpected{err};
        item.quoted = true;
        item.raw = std::string{s.substr(start, pos - start)};
      } else {
        while (pos < s.size() && s[pos] != ',' && s[pos] != ']') {
          if (s[pos] == '[' || s[pos] == '"' || s[pos] == '\'')
            return unexpected{std::string{"unexpected '"} + s[pos] +
                              "' in a list element (quote elements that contain it)"};
          ++pos;
        }
        item.text = std::string{trim(s.substr(start, pos - start))};
        if (item.text.empty())
          return unexpected{std::string{"empty list element"}};
        item.raw = item.text;
      }
      v.items.push_back(std::move(item));
      skip_ws();
      if (pos >= s.size())
        return unexpected{std::string{"unterminated list: missing ']' (lists fit on one line)"}};
      if (s[pos] == ']') {
        ++pos;
        break;
      }
      if (s[pos] != ',')
        return unexpected{std::string{"expected ',' or ']' in a list, got '"} + s[pos] + "'"};
      ++pos;
    }
  }
  if (!only_comment_left(s.substr(pos)))
    return unexpected{std::string{"unexpected text after ']': '"} +
                      std::string{trim(s.substr(pos))} + "'"};
  v.raw = std::string{trim(s.substr(0, pos))};
  return v;
}

} // namespace

expected<ini_value, std::string> parse_ini_value(std::string_view text) {
  std::string_view s = trim(text);
  ini_value v;
  if (s.empty() || is_comment_start(s.front()))
    return v; // empty bare value
  char c = s.front();
  if (c == '[')
    return parse_list(s);
  if (c == '"' || c == '\'') {
    size_t pos = 0;
    std::string err;
    if (!read_quoted(s, pos, v.text, err))
      return unexpected{err};
    if (!only_comment_left(s.substr(pos)))
      return unexpected{std::string{"unexpected text after the closing quote: '"} +
                        std::string{trim(s.substr(pos))} + "'"};
    v.quoted = true;
    v.raw = std::string{s.substr(0, pos)};
    return v;
  }
  // Bare: up to a comment that follows whitespace.
  size_t end = s.size();
  for (size_t i = 1; i < s.size(); ++i) {
    if (is_comment_start(s[i]) && is_space(s[i - 1])) {
      end = i;
      break;
    }
  }
  v.text = std::string{trim(s.substr(0, end))};
  v.raw = v.text;
  return v;
}

expected<ini_document, config_error> parse_ini(std::string_view text, std::string source) {
  ini_document doc;
  doc.source = std::move(source);
  std::map<std::string, int, std::less<>> seen_keys;
  std::map<std::string, bool, std::less<>> seen_sections;
  std::string section;
  bool in_section = false;
  int line_no = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") // UTF-8 byte order mark
    text.remove_prefix(3);
  auto fail = [&](std::string key, std::string what) {
    std::string msg = key.empty() ? doc.where(line_no) + ": " + what
                                  : key + ": " + what + " (" + doc.where(line_no) + ")";
    return unexpected{config_error{std::move(key), std::move(msg)}};
  };
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    line = trim(line);
    if (line.empty() || is_comment_start(line.front()))
      continue;
    if (line.front() == '[') {
      auto close = line.find(']');
      if (close == std::string_view::npos)
        return fail("", "unterminated section header '" + std::string{line} + "': missing ']'");
      auto name = trim(line.substr(1, close - 1));
      if (!is_name(name, true))
        return fail("", "bad section name '" + std::string{name} +
                            "': use letters, digits, '_', '-' and '.'");
      if (!only_comment_left(line.substr(close + 1)))
        return fail("", "unexpected text after section header: '" +
                            std::string{trim(line.substr(close + 1))} + "'");
      section = std::string{name};
      in_section = true;
      if (!seen_sections[section]) {
        seen_sections[section] = true;
        doc.sections.push_back({section, line_no});
      }
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return fail("", "expected 'key = value', '[section]' or a comment, got '" +
                          std::string{line} + "'");
    auto key = trim(line.substr(0, eq));
    if (!in_section) {
      auto dot = key.rfind('.');
      std::string hint;
      if (dot != std::string_view::npos && dot > 0 && dot + 1 < key.size())
        hint = "; write [" + std::string{key.substr(0, dot)} + "] and then " +
               std::string{key.substr(dot + 1)} + " = ...";
      return fail("", "key '" + std::string{key} + "' outside any [section]" + hint);
    }
    if (!is_name(key, false))
      return fail("", "bad key name '" + std::string{key} +
                          "': use letters, digits, '_' and '-' (put it under a [section])");
    std::string dotted = section + "." + std::string{key};
    auto parsed = parse_ini_value(line.substr(eq + 1));
    if (!parsed)
      return fail(dotted, parsed.error());
    if (auto it = seen_keys.find(dotted); it != seen_keys.end())
      return unexpected{config_error{dotted, dotted + ": duplicate key (" + doc.where(line_no) +
                                                 "), first set at " + doc.where(it->second)}};
    seen_keys.emplace(dotted, line_no);
    doc.entries.push_back({section, std::string{key}, std::move(*parsed), line_no});
  }
  return doc;
}

expected<ini_document, config_error> parse_ini_file(const std::string& path) {
  auto fail = [&](int err) {
    return unexpected{
        config_error{"--config", "--config: cannot read '" + path + "': " + std::strerror(err)}};
  };
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return fail(errno);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    text.append(buf, n);
  int err = std::ferror(f) ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(f);
  if (err != 0)
    return fail(err);
  return parse_ini(text, path);
}

} // namespace shelfwire::config
