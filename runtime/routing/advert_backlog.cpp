#include "runtime/routing/advert_backlog.hpp"

namespace shelfwire::routing {

void advert_backlog::drop_front() {
  auto n = entries_.front().update.adverts.size();
  adverts_ -= n;
  dropped_ += n;
  entries_.pop_front();
}

void advert_backlog::keep(std::vector<status_update>&& updates, int64_t now_ms) {
  for (auto& u : updates)
    keep(std::move(u), now_ms);
  updates.clear();
}

void advert_backlog::keep(status_update&& update, int64_t received_ms) {
  adverts_ += update.adverts.size();
  entries_.push_back({std::move(update), received_ms});
  while (adverts_ > max_adverts_ && !entries_.empty())
    drop_front();
}

std::vector<status_update> advert_backlog::take(int64_t now_ms, int64_t max_age_ms,
                                                std::vector<int64_t>* received_ms) {
  while (!entries_.empty() && now_ms - entries_.front().received_ms > max_age_ms)
    drop_front();
  std::vector<status_update> out;
  out.reserve(entries_.size());
  for (auto& e : entries_) {
    if (received_ms)
      received_ms->push_back(e.received_ms);
    out.push_back(std::move(e.update));
  }
  entries_.clear();
  adverts_ = 0;
  return out;
}

} // namespace shelfwire::routing
