#include "runtime/log/log.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "runtime/core/text.hpp"
#include "runtime/log/json_format.hpp"

namespace shelfwire::log {

namespace {

struct state {
  std::mutex mtx;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, spdlog::level::level_enum, std::less<>> module_levels;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  bool json = false;
  std::string process_name = "shelfwire";
};

state& st() {
  static state s;
  return s;
}

bool parse_level(std::string_view s, spdlog::level::level_enum& out) {
  static const std::pair<std::string_view, spdlog::level::level_enum> table[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (auto& [name, lvl] : table)
    if (name == s) {
      out = lvl;
      return true;
    }
  return false;
}

const char* legal_levels = "trace, debug, info, warn, error, critical, off";

/// The level as the `log.level` key spells it ("warn", not spdlog's "warning").
std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
  case spdlog::level::trace:
    return "trace";
  case spdlog::level::debug:
    return "debug";
  case spdlog::level::info:
    return "info";
  case spdlog::level::warn:
    return "warn";
  case spdlog::level::err:
    return "error";
  case spdlog::level::critical:
    return "critical";
  default:
    return "off";
  }
}

/// `log.format = json`: one JSON object per line (json_format.hpp).
class json_formatter final : public spdlog::formatter {
public:
  explicit json_formatter(std::string node)
      : node_(std::move(node)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::floor<std::chrono::milliseconds>(msg.time.time_since_epoch());
    log_entry e;
    e.unix_ms = static_cast<int64_t>(ms.count());
    e.level = level_name(msg.level);
    e.node = node_;
    e.module = std::string_view{msg.logger_name.data(), msg.logger_name.size()};
    e.message = std::string_view{msg.payload.data(), msg.payload.size()};
    auto line = format_json_line(e);
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>(node_);
  }

private:
  std::string node_;
};

std::unique_ptr<spdlog::formatter> make_formatter(const state& s) {
  if (s.json)
    return std::make_unique<json_formatter>(s.process_name);
  // Text: local time, one-letter level, the process name, [module].
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e %L " + s.process_name +
                                                     " [%n] %v");
}

/// The sinks are shared by every logger: the format is set on them.
void apply_format(state& s) {
  for (auto& sink : s.sinks)
    sink->set_formatter(make_formatter(s));
}

spdlog::level::level_enum level_for(const state& s, std::string_view module) {
  auto i = s.module_levels.find(module);
  return i == s.module_levels.end() ? s.level : i->second;
}

std::shared_ptr<spdlog::logger> make_logger(state& s, std::string_view module) {
  auto lg = std::make_shared<spdlog::logger>(std::string{module}, s.sinks.begin(), s.sinks.end());
  lg->set_level(level_for(s, module));
  lg->flush_on(spdlog::level::warn);
  return lg;
}

} // namespace

std::string setup(const log_options& opts) {
  spdlog::level::level_enum lvl;
  if (!parse_level(opts.level, lvl))
    return "log.level: expected one of " + std::string{legal_levels} + ", got '" + opts.level + "'";
  if (opts.format != "text" && opts.format != "json")
    return "log.format: expected one of text, json, got '" + opts.format + "'";
  std::map<std::string, spdlog::level::level_enum, std::less<>> mods;
  std::string_view rest = opts.module_levels;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = trim_blanks(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty())
      continue;
    auto eq = item.find('=');
    spdlog::level::level_enum ml;
    if (eq == std::string_view::npos || trim_blanks(item.substr(0, eq)).empty() ||
        !parse_level(trim_blanks(item.substr(eq + 1)), ml))
      return "log.module-levels: expected 'module=level,...' with levels " +
             std::string{legal_levels} + ", got '" + std::string{item} + "'";
    mods[std::string{trim_blanks(item.substr(0, eq))}] = ml;
  }
  std::vector<spdlog::sink_ptr> sinks;
  if (opts.file.empty()) {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(opts.file));
    } catch (const std::exception& e) {
      return "log.file: cannot open '" + opts.file + "': " + e.what();
    }
  }
  auto& s = st();
  std::lock_guard<std::mutex> guard{s.mtx};
  s.sinks = std::move(sinks);
  s.level = lvl;
  s.module_levels = std::move(mods);
  s.json = opts.format == "json";
  s.process_name = opts.process_name;
  apply_format(s);
  // Rebuild existing loggers in place so held pointers see the new setup.
  for (auto& [name, lg] : s.loggers) {
    lg->sinks() = s.sinks;
    lg->set_level(level_for(s, name));
  }
  return {};
}

std::shared_ptr<spdlog::logger> get(std::string_view module) {
  auto& s = st();
  std::lock_guard<std::mutex> guard{s.mtx};
  auto i = s.loggers.find(module);
  if (i != s.loggers.end())
    return i->second;
  if (s.sinks.empty()) {
    s.sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    apply_format(s);
  }
  auto lg = make_logger(s, module);
  s.loggers.emplace(std::string{module}, lg);
  return lg;
}

void flush() {
  auto& s = st();
  std::lock_guard<std::mutex> guard{s.mtx};
  for (auto& [name, lg] : s.loggers)
    lg->flush();
}

} // namespace shelfwire::log
