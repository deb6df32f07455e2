// The workloads liner-bench knows: names, help, defaults, the functions
// that run them, and the figures they report (units, which way is better,
// which appear in the table).
#pragma once

#include "spec.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

class session;
using liner_workload = run_result (*)(session&);
using zmq_workload = run_result (*)(const run_spec&);

struct figure_info {
  std::string key;
  std::string label;
  std::string unit;
  bool higher_is_better;
  bool in_table;
};

/// How a workload sends: as --alo says, or always one way.
enum class delivery { chosen, at_least_once, best_effort };

struct workload_info {
  std::string name;
  std::string summary;     // one line, in liner-bench --help
  std::string help;        // liner-bench WORKLOAD --help
  liner_workload liner;
  zmq_workload zmq;        // nullptr: no natural ZeroMQ equivalent
  std::vector<std::size_t> sizes;    // default payload sizes
  uint64_t count, quick_count;       // default --count, and under --quick
  std::vector<unsigned> peers, quick_peers; // empty: no peers parameter
  delivery mode;
  std::vector<std::string> stores;   // default stores
  std::vector<figure_info> figures;
};

const std::vector<workload_info>& workloads();
/// nullptr if unknown.
const workload_info* find_workload(const std::string& name);
/// The figure's description; every run also gets "peak_rss_mib" (from wait4).
figure_info describe_figure(const workload_info& w, const std::string& key);

} // namespace bench
