#pragma once

// Small helpers around paho-mqtt-c: error texts, and a wrapper that keeps
// exceptions out of paho's C frames. Internal.

#include <exception>
#include <string>

#include <MQTTAsync.h>
#include <MQTTReasonCodes.h>
#include <spdlog/logger.h>

namespace shelfwire::mqtt::detail {

/// paho's text for a return code, with the code: "... (-3)".
inline std::string paho_error(int rc) {
  const char* s = MQTTAsync_strerror(rc);
  return std::string{s != nullptr ? s : "paho error"} + " (" + std::to_string(rc) + ")";
}

/// A failure callback's data as one line: paho's message or error text, and
/// the broker's reason code if it sent one.
inline std::string describe(const MQTTAsync_failureData5* d) {
  if (d == nullptr)
    return "unknown error";
  std::string s;
  if (d->message != nullptr)
    s = d->message;
  else if (d->code != MQTTASYNC_SUCCESS)
    s = paho_error(d->code);
  if (d->reasonCode != MQTTREASONCODE_SUCCESS) {
    const char* rc = MQTTReasonCode_toString(d->reasonCode);
    s += s.empty() ? "" : ", ";
    s += "reason ";
    s += rc != nullptr ? rc : std::to_string(static_cast<int>(d->reasonCode));
  }
  return s.empty() ? "failed" : s;
}

/// Runs `f`, swallowing exceptions: nothing may unwind into paho's C frames.
template <class F>
void guarded(spdlog::logger& log, const char* what, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    log.error("{}: {}", what, e.what());
  } catch (...) {
    log.error("{}: unknown exception", what);
  }
}

} // namespace shelfwire::mqtt::detail
