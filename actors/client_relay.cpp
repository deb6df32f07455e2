// client_core, publishing from SQL: relaying rows of the mesh's outbox
// (stores/postgres_outbox.hpp) into the mesh. The rows come from the catalog
// watch, which holds them locked until this returns; a row is done once its
// message is in the store or acked for every listener it goes to, so a
// relaying client that dies loses nothing (another client relays the row
// again: a duplicate, never a loss). The routes run as sender
// "liner.publish" (the `sql_routes_` router): listeners report that as `from`.
#include "actors/client_core.hpp"

#include <caf/send.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "actors/messages.hpp"
#include "runtime/log.hpp"

namespace liner {

namespace {

// The options liner_publish accepted (it checks them; anything else here
// is read as absent).
struct publish_options {
  bool all = false;
  std::optional<std::set<std::string>> eligible;
  std::set<std::string> exclude;

  bool admits(const std::string& client) const {
    return !exclude.count(client) && (!eligible || eligible->count(client));
  }
};

std::set<std::string> names(const nlohmann::json& j, const char* key) {
  std::set<std::string> out;
  auto it = j.find(key);
  if (it != j.end() && it->is_array())
    for (auto& v : *it)
      if (v.is_string())
        out.insert(v.get<std::string>());
  return out;
}

publish_options parse_options(const std::string& text) {
  publish_options o;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    return o;
  if (auto it = j.find("all"); it != j.end() && it->is_boolean())
    o.all = it->get<bool>();
  if (j.contains("eligible"))
    o.eligible = names(j, "eligible");
  o.exclude = names(j, "exclude");
  return o;
}

} // namespace

std::vector<int64_t> client_core::relay_published(const std::vector<outbox_row>& rows) {
  std::vector<int64_t> done;
  for (auto& row : rows) {
    if (!running_)
      break;
    if (relay_one(row))
      done.push_back(row.id);
  }
  return done;
}

bool client_core::relay_one(const outbox_row& row) {
  auto options = parse_options(row.options);
  auto routes = sql_routes_.routes_for(row.topic, true, true);
  if (!routes)
    return false; // nobody listens yet: the row waits in the outbox
  auto key = sql_routes_.topic_key(row.topic);
  if (!key)
    return false;
  std::vector<route_ptr> targets;
  for (auto& r : *routes) {
    if (!r)
      return false; // a listener we cannot reach yet (the store failed): later
    if (options.admits(r->listener_name))
      targets.push_back(r);
  }
  if (targets.empty())
    return false;
  if (!options.all) // send_to: one of them, round robin
    targets = {targets[relay_turn_++ % targets.size()]};
  std::vector<std::pair<route_ptr, uint64_t>> sent;
  for (auto& r : targets) {
    bool wake = false;
    uint64_t number = 0;
    auto res = r->enqueue(*key, row.payload.data(), row.payload.size(), true, when_full::wait, wake,
                          &number, true);
    if (wake)
      caf::anon_send(r->actor(), msg::wake_atom::value);
    if (res != enqueue_result::ok)
      return false; // the copies already queued may arrive twice when it is relayed again
    sent.emplace_back(r, number);
  }
  for (auto& [r, number] : sent)
    if (auto saved = wait_saved(r, number); !saved) {
      LINER_LOG_ERROR("relaying outbox row " + std::to_string(row.id) + ": "
                      + saved.error().message);
      return false;
    }
  return true;
}

} // namespace liner
