// paho's C callbacks for one client. Each marks the thread (callback_scope),
// passes the gate that stop() closes, and hands over to the session
// (client_session.cpp) with exceptions caught. Runs on paho's threads,
// holding paho's global mutex.

#include <memory>
#include <string>

#include "runtime/core/clock.hpp"
#include "runtime/mqtt/client_impl.hpp"
#include "runtime/mqtt/detail/paho_util.hpp"

namespace shelfwire::mqtt {

using detail::callback_scope;
using detail::describe;
using detail::gate_pass;
using detail::guarded;

void client::impl::on_connect_success(void* ctx, MQTTAsync_successData5*) {
  auto* self = static_cast<impl*>(ctx);
  callback_scope scope{self};
  gate_pass pass{self->gate};
  if (!pass) {
    // A connect that was in flight when stop() ran: do not keep it open.
    if (self->stopping.load())
      MQTTAsync_disconnect(self->handle, nullptr);
    return;
  }
  guarded(*self->log, "on connect", [&] { self->connected(); });
}

void client::impl::on_connect_failure(void* ctx, MQTTAsync_failureData5* d) {
  auto* self = static_cast<impl*>(ctx);
  callback_scope scope{self};
  gate_pass pass{self->gate};
  if (pass)
    guarded(*self->log, "on connect failure", [&] { self->connect_failed(describe(d)); });
}

void client::impl::on_connection_lost(void* ctx, char* cause) {
  auto* self = static_cast<impl*>(ctx);
  callback_scope scope{self};
  gate_pass pass{self->gate};
  if (pass)
    guarded(*self->log, "on connection lost",
            [&] { self->lost(cause != nullptr ? cause : "connection lost"); });
  else
    self->disconnect_done(); // stop() waits for a DISCONNECT that will never complete
}

void client::impl::on_disconnected(void* ctx, MQTTProperties*, enum MQTTReasonCodes reason) {
  auto* self = static_cast<impl*>(ctx);
  callback_scope scope{self};
  gate_pass pass{self->gate};
  if (!pass) {
    self->disconnect_done();
    return;
  }
  guarded(*self->log, "on disconnected", [&] {
    const char* r = MQTTReasonCode_toString(reason);
    self->lost(std::string{"broker sent DISCONNECT ("} +
               (r != nullptr ? r : std::to_string(static_cast<int>(reason))) + ")");
  });
}

void client::impl::on_subscribe_success(void* ctx, MQTTAsync_successData5* d) {
  std::unique_ptr<sub_request> req{static_cast<sub_request*>(ctx)};
  impl* self = req->self;
  callback_scope scope{self};
  gate_pass pass{self->gate};
  if (!pass)
    return;
  guarded(*self->log, "on subscribe", [&] {
    const size_t n = req->filters.size();
    for (size_t i = 0; i < n; ++i) {
      auto rc =
          n > 1 && d->alt.sub.reasonCodes != nullptr ? d->alt.sub.reasonCodes[i] : d->reasonCode;
      if (rc >= MQTTREASONCODE_UNSPECIFIED_ERROR)
        self->log->error("broker refused subscription '{}': {}", req->filters[i],
                         MQTTReasonCode_toString(rc));
    }
    self->subscribed(*req);
  });
}

void client::impl::on_subscribe_failure(void* ctx, MQTTAsync_failureData5* d) {
  std::unique_ptr<sub_request> req{static_cast<sub_request*>(ctx)};
  impl* self = req->self;
  callback_scope scope{self};
  gate_pass pass{self->gate};
  if (!pass)
    return;
  guarded(*self->log, "on subscribe failure", [&] {
    if (d != nullptr && d->code == MQTTASYNC_SUCCESS &&
        d->reasonCode >= MQTTREASONCODE_UNSPECIFIED_ERROR) {
      // Answered with a refusal: the link is fine, the filter is not.
      self->log->error("broker refused subscription '{}': {}",
                       req->filters.empty() ? "" : req->filters.front(),
                       MQTTReasonCode_toString(d->reasonCode));
      self->subscribed(*req);
      return;
    }
    // Interrupted by a lost connection: the next connect re-subscribes.
    self->log->debug("subscribe interrupted: {}", describe(d));
    if (req->late)
      self->subscribed(*req);
  });
}

void client::impl::on_delivered(void* ctx, MQTTAsync_successData5*) {
  auto* self = static_cast<impl*>(ctx);
  gate_pass pass{self->gate};
  if (pass)
    self->delivery_complete.inc();
}

int client::impl::on_ssl_error(const char* str, size_t len, void* ctx) {
  auto* self = static_cast<impl*>(ctx);
  if (self == nullptr || str == nullptr)
    return 0;
  try {
    std::string line{str, len};
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
      line.pop_back();
    int failures;
    {
      std::lock_guard<std::mutex> lk{self->timer_mtx};
      failures = self->failures;
    }
    uint64_t skipped = 0;
    if (!self->ssl_throttle.allow(steady_now_us(), skipped))
      return 0;
    const auto level = failures == 0 ? spdlog::level::warn : spdlog::level::debug;
    self->log->log(level, "TLS with {}: {}{}", self->opts.url, line,
                   skipped > 0 ? " (" + std::to_string(skipped) + " more suppressed)" : "");
  } catch (...) { // nothing may unwind into OpenSSL's or paho's C frames
  }
  return 0;
}

int client::impl::on_message(void* ctx, char* topic, int topic_len, MQTTAsync_message* m) {
  auto* self = static_cast<impl*>(ctx);
  {
    callback_scope scope{self};
    gate_pass pass{self->gate};
    if (pass)
      guarded(*self->log, "message delivery", [&] { self->deliver(topic, topic_len, m); });
  }
  MQTTAsync_freeMessage(&m);
  MQTTAsync_free(topic);
  return 1;
}

void client::impl::on_disconnect_success(void* ctx, MQTTAsync_successData5*) {
  static_cast<impl*>(ctx)->disconnect_done();
}

void client::impl::on_disconnect_failure(void* ctx, MQTTAsync_failureData5*) {
  static_cast<impl*>(ctx)->disconnect_done();
}

} // namespace shelfwire::mqtt
