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
#include <map>
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

// Queues every row of the page first, then waits once per route for the
// store to hold all of it (a route saves its queue in order), so a page of
// rows costs a few saves, not one per row.
std::vector<int64_t> client_core::relay_published(const std::vector<outbox_row>& rows) {
  struct queued_row {
    int64_t id;
    std::vector<route_state*> routes;
  };
  std::vector<queued_row> queued;
  std::map<route_state*, std::pair<route_ptr, uint64_t>> last; // the highest number per route
  for (auto& row : rows) {
    if (!running_)
      break;
    int32_t key = 0;
    auto targets = relay_targets(row, key);
    if (targets.empty())
      continue; // nobody (admitted) listens yet: the row waits in the outbox
    queued_row q{row.id, {}};
    bool ok = true;
    for (auto& r : targets) {
      bool wake = false;
      uint64_t number = 0;
      auto res = r->enqueue(key, row.payload.data(),
                            row.payload.size(), true, when_full::wait, wake, &number, true);
      r->stats().count_send(res, row.payload.size());
      if (wake)
        caf::anon_send(r->actor(), msg::wake_atom::value);
      if (res != enqueue_result::ok) {
        ok = false; // copies already queued may arrive twice when the row is relayed again
        break;
      }
      q.routes.push_back(r.get());
      last[r.get()] = {r, number};
    }
    if (ok)
      queued.push_back(std::move(q));
  }
  std::set<route_state*> unsaved;
  for (auto& [raw, entry] : last)
    if (auto saved = wait_saved(entry.first, entry.second); !saved) {
      log::warn(unique_name_, "relaying the outbox to " + entry.first->listener_name + ": "
                      + saved.error().message);
      unsaved.insert(raw);
    }
  std::vector<int64_t> done;
  for (auto& q : queued)
    if (std::none_of(q.routes.begin(), q.routes.end(),
                     [&](route_state* r) { return unsaved.count(r) > 0; }))
      done.push_back(q.id);
  return done;
}

std::vector<route_ptr> client_core::relay_targets(const outbox_row& row, int32_t& key) {
  auto options = parse_options(row.options);
  auto routes = sql_routes_.routes_for(row.topic, true, true);
  if (!routes)
    return {};
  auto found = sql_routes_.topic_key(row.topic);
  if (!found)
    return {};
  key = *found;
  std::vector<route_ptr> targets;
  for (auto& r : *routes) {
    if (!r)
      return {}; // a listener we cannot reach yet (the store failed): later
    if (options.admits(r->listener_name))
      targets.push_back(r);
  }
  if (!options.all && !targets.empty()) // send_to: one of them, round robin
    targets = {targets[relay_turn_++ % targets.size()]};
  return targets;
}

} // namespace liner
