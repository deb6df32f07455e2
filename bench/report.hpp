// Turning the runs into what people read: medians and spreads per subject,
// ratio rows, the tables, the JSON (every round's raw figures) and the CSV.
#pragma once

#include "cli.hpp"
#include "orchestrator.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bench {

/// 3 significant digits, k from 10000, then M and G: "812k", "1.23M", "45.2", "0.56".
std::string format_value(double v);

struct spread {
  double median = 0, min = 0, max = 0;
  int n = 0; // successful runs the figure came from
};

/// The figure over the subject's successful runs; nullopt if none has it.
std::optional<spread> summarize(const subject_runs& s, const std::string& key);

/// The tables of every case (stdout).
void print_tables(std::ostream& out, const std::vector<case_outcome>& outcomes);
/// Everything: machine, command line, every run, summaries, ratios.
nlohmann::json to_json(const options& o, const std::vector<case_outcome>& outcomes);
/// One line per case, subject and figure: median, min, max, runs.
void write_csv(std::ostream& out, const std::vector<case_outcome>& outcomes);

/// nproc, CPU model, kernel, memory, date, git commit of the source tree.
nlohmann::json machine_facts();

} // namespace bench
