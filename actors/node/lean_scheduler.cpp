#include "actors/node/lean_scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>

#include "runtime/core/thread_name.hpp"

namespace shelfwire {

namespace {

/// CAF's clock (the schedule of `simple_actor_clock`, the events of
/// `thread_safe_actor_clock`, the same dispatch as its loop), run by a
/// thread of ours that other threads wake only when they must:
///
/// - a new timeout or delayed message wakes it only if it is due before the
///   time the thread sleeps until;
/// - a cancellation never wakes it: it waits in the queue for the thread's
///   next wake-up, which comes no later than the earliest scheduled entry
///   (or once `max_queued` events wait). In CAF 0.17.6 the only
///   cancellation is an ended actor's (`cancel_timeouts`): an entry of an
///   ended actor that falls due before its cancellation is applied goes to
///   a closed mailbox and is dropped, as with CAF's own clock (whose window
///   for that is shorter); until then the entry keeps the actor's memory;
/// - the thread wakes on a grid of `grid` (5 ms): entries due within one
///   step fire together, up to one step late;
/// - an actor's end (`cancel_timeouts`) is queued only for actors that ever
///   set a timeout.
///
/// CAF's own clock wakes its thread for every event pushed into an empty
/// queue and for every entry that falls due: a request with a timeout costs
/// a wake-up to enter it and one when it fires, answered or not (CAF 0.17.6
/// never cancels a request's timeout; the late error is dropped), an ended
/// actor one. In a cluster that was 2.4 wake-ups per command
/// (docs/experiments.md, "Where a node's CPU goes").
class lean_clock : public caf::detail::thread_safe_actor_clock {
public:
  /// Step of the wake-up grid.
  static constexpr std::chrono::milliseconds grid{5};
  /// Queued events that wake the thread whatever they are.
  static constexpr size_t max_queued = 4096;

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            uint64_t id) override {
    post_timeout(self, t, std::make_unique<ordinary_timeout>(t, self->ctrl(), type, id));
  }

  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override {
    post_timeout(self, t, std::make_unique<request_timeout>(t, self->ctrl(), id));
  }

  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         uint64_t id) override {
    post_timeout(self, t, std::make_unique<multi_timeout>(t, self->ctrl(), type, id));
  }

  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override {
    post(std::make_unique<ordinary_timeout_cancellation>(self->id(), type), false);
  }

  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override {
    post(std::make_unique<request_timeout_cancellation>(self->id(), id), false);
  }

  void cancel_timeouts(caf::abstract_actor* self) override {
    std::unique_lock<std::mutex> guard{mtx_};
    if (with_timeouts_.erase(self->id()) == 0)
      return; // nothing of it in the schedule
    queue(guard, std::make_unique<timeouts_cancellation>(self->id()), false);
  }

  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override {
    post_at(t, std::make_unique<actor_msg>(t, std::move(receiver), std::move(content)));
  }

  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override {
    post_at(t, std::make_unique<group_msg>(t, std::move(target), std::move(sender),
                                           std::move(content)));
  }

  void cancel_all() override { post(std::make_unique<drop_all>(), true); }

  /// The dispatch loop (the clock thread); returns after `stop()`.
  void run() {
    std::vector<unique_event_ptr> batch;
    std::unique_lock<std::mutex> guard{mtx_};
    for (;;) {
      // `schedule_` is this thread's alone; the lock guards the queue.
      auto next = earliest_queued_;
      if (!schedule_.empty())
        next = std::min(next, on_grid(schedule_.begin()->first));
      if (!wake_ && next > now()) {
        sleeping_until_ = next;
        if (next == time_point::max())
          cv_.wait(guard, [this] { return wake_; });
        else
          cv_.wait_until(guard, next, [this] { return wake_; });
        sleeping_until_ = time_point::min(); // awake: posts need not wake us
      }
      wake_ = false;
      batch.swap(queued_);
      earliest_queued_ = time_point::max();
      guard.unlock();
      bool done = dispatch(batch); // outside the lock: may release the last reference to actors
      batch.clear();
      if (done)
        return;
      trigger_expired_timeouts();
      guard.lock();
    }
  }

  /// Ends `run()` (from another thread); the schedule is dropped.
  void stop() { post(std::make_unique<shutdown>(), true); }

private:
  /// `t` rounded up to the grid.
  static time_point on_grid(time_point t) {
    auto step = std::chrono::duration_cast<duration_type>(grid);
    auto since = t.time_since_epoch();
    if (since > duration_type::max() - step)
      return time_point::max(); // no room to round up: as good as never
    return time_point{(since + step - duration_type{1}) / step * step};
  }

  void post_timeout(caf::abstract_actor* self, time_point t, unique_event_ptr ev) {
    std::unique_lock<std::mutex> guard{mtx_};
    with_timeouts_.insert(self->id());
    queue_at(guard, t, std::move(ev));
  }

  void post_at(time_point t, unique_event_ptr ev) {
    std::unique_lock<std::mutex> guard{mtx_};
    queue_at(guard, t, std::move(ev));
  }

  void post(unique_event_ptr ev, bool wake) {
    std::unique_lock<std::mutex> guard{mtx_};
    queue(guard, std::move(ev), wake);
  }

  void queue_at(std::unique_lock<std::mutex>& guard, time_point t, unique_event_ptr ev) {
    auto due = on_grid(t);
    earliest_queued_ = std::min(earliest_queued_, due);
    queue(guard, std::move(ev), due < sleeping_until_);
  }

  void queue(std::unique_lock<std::mutex>& guard, unique_event_ptr ev, bool wake) {
    queued_.push_back(std::move(ev));
    if (!wake && queued_.size() < max_queued)
      return;
    wake_ = true;
    guard.unlock();
    cv_.notify_one();
  }

  /// Applies queued events to the schedule, in order (CAF's dispatch loop).
  /// True on shutdown.
  bool dispatch(std::vector<unique_event_ptr>& batch) {
    for (auto& x : batch) {
      switch (x->subtype) {
      case ordinary_timeout_cancellation_type:
        handle(static_cast<ordinary_timeout_cancellation&>(*x));
        break;
      case request_timeout_cancellation_type:
        handle(static_cast<request_timeout_cancellation&>(*x));
        break;
      case timeouts_cancellation_type:
        handle(static_cast<timeouts_cancellation&>(*x));
        break;
      case drop_all_type:
        schedule_.clear();
        actor_lookup_.clear();
        break;
      case shutdown_type:
        schedule_.clear();
        actor_lookup_.clear();
        return true;
      case ordinary_timeout_type:
        add_schedule_entry(
            std::unique_ptr<ordinary_timeout>{static_cast<ordinary_timeout*>(x.release())});
        break;
      case multi_timeout_type:
        add_schedule_entry(
            std::unique_ptr<multi_timeout>{static_cast<multi_timeout*>(x.release())});
        break;
      case request_timeout_type:
        add_schedule_entry(
            std::unique_ptr<request_timeout>{static_cast<request_timeout*>(x.release())});
        break;
      case actor_msg_type:
        add_schedule_entry(std::unique_ptr<actor_msg>{static_cast<actor_msg*>(x.release())});
        break;
      case group_msg_type:
        add_schedule_entry(std::unique_ptr<group_msg>{static_cast<group_msg*>(x.release())});
        break;
      default:
        break;
      }
    }
    return false;
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::unordered_set<caf::actor_id> with_timeouts_; ///< live actors that set a timeout
  std::vector<unique_event_ptr> queued_;            ///< events for the clock thread
  time_point earliest_queued_ = time_point::max();  ///< earliest due among them (on the grid)
  time_point sleeping_until_ = time_point::min();   ///< while the thread sleeps: until when
  bool wake_ = false;
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
      clock_.run();
      this->system().thread_terminates();
    }};
    name_thread(thread_, "sw.clock");
    super::start();
  }

  void stop() override {
    super::stop(); // actors end (their cancellations still reach clock_)
    clock_.stop();
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
