#include "actors/node/lean_scheduler.hpp"

#include <mutex>
#include <thread>
#include <unordered_set>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>

#include "runtime/core/thread_name.hpp"

namespace shelfwire {

namespace {

/// CAF's thread-safe clock, but an actor's end reaches the clock thread only
/// if that actor set a timeout.
class lean_clock : public caf::detail::thread_safe_actor_clock {
public:
  using super = caf::detail::thread_safe_actor_clock;

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            uint64_t id) override {
    note(self);
    super::set_ordinary_timeout(t, self, type, id);
  }

  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override {
    note(self);
    super::set_request_timeout(t, self, id);
  }

  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         uint64_t id) override {
    note(self);
    super::set_multi_timeout(t, self, type, id);
  }

  void cancel_timeouts(caf::abstract_actor* self) override {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (with_timeouts_.erase(self->id()) == 0)
        return; // nothing of it in the schedule
    }
    super::cancel_timeouts(self);
  }

private:
  void note(caf::abstract_actor* self) {
    std::lock_guard<std::mutex> guard{mtx_};
    with_timeouts_.insert(self->id());
  }

  std::mutex mtx_;
  std::unordered_set<caf::actor_id> with_timeouts_; ///< live actors that set a timeout
};

/// CAF's coordinator with `lean_clock` as the system's clock. (The base
/// class's own clock thread still starts; nothing reaches it, so it sleeps.)
template <class Policy>
class lean_coordinator : public caf::scheduler::coordinator<Policy> {
public:
  using super = caf::scheduler::coordinator<Policy>;

  explicit lean_coordinator(caf::actor_system& sys)
      : super(sys) {}

  caf::detail::thread_safe_actor_clock& clock() noexcept override { return clock_; }

protected:
  void start() override {
    thread_ = std::thread{[this] {
      this->system().thread_started();
      clock_.run_dispatch_loop();
      this->system().thread_terminates();
    }};
    name_thread(thread_, "sw.clock");
    super::start();
  }

  void stop() override {
    super::stop(); // actors end (their cancellations still reach clock_)
    clock_.cancel_dispatch_loop();
    thread_.join();
  }

private:
  lean_clock clock_;
  std::thread thread_;
};

} // namespace

void use_lean_scheduler(caf::actor_system_config& cfg, bool stealing) {
  cfg.module_factories.push_back([stealing](caf::actor_system& sys) -> caf::actor_system::module* {
    if (stealing)
      return new lean_coordinator<caf::policy::work_stealing>(sys);
    return new lean_coordinator<caf::policy::work_sharing>(sys);
  });
}

} // namespace shelfwire
