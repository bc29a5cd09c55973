// topic_matches: MQTT topic filter matching (client.hpp). Pure; any thread
// (the client calls it on paho's receive thread for every message).

#include <string_view>

#include "runtime/mqtt/client.hpp"

namespace shelfwire::mqtt {

bool topic_matches(std::string_view filter, std::string_view topic) {
  constexpr std::string_view share = "$share/";
  if (filter.substr(0, share.size()) == share) {
    auto slash = filter.find('/', share.size());
    if (slash == share.size() || slash == std::string_view::npos)
      return false; // empty group or no filter after the group
    filter.remove_prefix(slash + 1);
  }
  if (filter.empty() || topic.empty())
    return false;
  // Wildcards in the first level never match topics starting with '$' ($SYS/...).
  if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#'))
    return false;
  size_t fi = 0;
  size_t ti = 0;
  for (;;) {
    auto fe = filter.find('/', fi);
    auto flevel =
        filter.substr(fi, fe == std::string_view::npos ? std::string_view::npos : fe - fi);
    if (flevel == "#")
      return fe == std::string_view::npos; // '#' must be the last level
    auto te = topic.find('/', ti);
    auto tlevel = topic.substr(ti, te == std::string_view::npos ? std::string_view::npos : te - ti);
    if (flevel != "+" && flevel != tlevel)
      return false;
    const bool flast = fe == std::string_view::npos;
    const bool tlast = te == std::string_view::npos;
    if (flast && tlast)
      return true;
    if (tlast) // "a/#" matches "a": the parent level
      return filter.substr(fe + 1) == "#";
    if (flast)
      return false;
    fi = fe + 1;
    ti = te + 1;
  }
}

} // namespace shelfwire::mqtt
