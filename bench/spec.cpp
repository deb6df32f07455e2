#include "spec.hpp"

namespace bench {

using nlohmann::json;

void run_result::lost(int64_t n, const std::string& what) {
  if (n <= 0)
    return;
  status = "lost";
  if (error.empty())
    error = std::to_string(n) + " " + what;
}

json to_json(const subject& s) {
  return {{"kind", s.kind}, {"name", s.name}, {"lib", s.lib}};
}

subject subject_from_json(const json& j) {
  return {j.at("kind").get<std::string>(), j.at("name").get<std::string>(),
          j.value("lib", std::string{})};
}

json to_json(const run_spec& s) {
  return {{"workload", s.workload},
          {"subject", to_json(s.who)},
          {"size", s.size},
          {"count", s.count},
          {"peers", s.peers},
          {"alo", s.alo},
          {"durable", s.durable},
          {"store", {{"kind", s.store.kind}, {"location", s.store.location}}},
          {"prefix", s.prefix},
          {"idle_s", s.idle_s}};
}

run_spec run_spec_from_json(const json& j) {
  run_spec s;
  s.workload = j.at("workload").get<std::string>();
  s.who = subject_from_json(j.at("subject"));
  s.size = j.at("size").get<std::size_t>();
  s.count = j.at("count").get<uint64_t>();
  s.peers = j.at("peers").get<unsigned>();
  s.alo = j.at("alo").get<bool>();
  s.durable = j.value("durable", false);
  s.store.kind = j.at("store").at("kind").get<std::string>();
  s.store.location = j.at("store").at("location").get<std::string>();
  s.prefix = j.at("prefix").get<std::string>();
  s.idle_s = j.at("idle_s").get<double>();
  return s;
}

json to_json(const run_result& r) {
  json figures = json::array();
  for (auto& [k, v] : r.figures)
    figures.push_back({k, v});
  json counts = json::array();
  for (auto& [k, v] : r.counts)
    counts.push_back({k, v});
  return {{"status", r.status}, {"error", r.error}, {"figures", figures},
          {"counts", counts}, {"notes", r.notes}, {"library", r.library}};
}

run_result run_result_from_json(const json& j) {
  run_result r;
  r.status = j.at("status").get<std::string>();
  r.error = j.value("error", std::string{});
  for (auto& f : j.at("figures"))
    r.figures.emplace_back(f.at(0).get<std::string>(), f.at(1).get<double>());
  for (auto& c : j.at("counts"))
    r.counts.emplace_back(c.at(0).get<std::string>(), c.at(1).get<int64_t>());
  r.notes = j.value("notes", std::vector<std::string>{});
  r.library = j.value("library", std::string{});
  return r;
}

} // namespace bench
