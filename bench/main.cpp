// liner-bench: benchmarks of liner-caf (C++ API and C ABI), other libraries
// with liner's C ABI (Rust liner 1.4.1) and ZeroMQ on the same workloads.
// See liner-bench --help and docs/performance.md.
#include "child.hpp"
#include "cli.hpp"
#include "orchestrator.hpp"
#include "report.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

namespace {

/// An output named on the command line ("-" is stdout), opened before any
/// run so that a bad path fails at once.
class output {
public:
  explicit output(const std::string& path) {
    if (path.empty() || path == "-")
      return;
    file_ = std::make_unique<std::ofstream>(path);
    if (!*file_)
      throw bench::usage_error("cannot write " + path);
  }
  std::ostream& stream() { return file_ ? *file_ : std::cout; }

private:
  std::unique_ptr<std::ofstream> file_;
};

int run(int argc, char** argv) {
  auto o = bench::parse_command_line(argc, argv);
  if (!o)
    return 0; // help was printed
  auto cases = bench::plan_cases(*o);
  if (cases.empty())
    throw bench::usage_error("nothing to run");
  std::optional<output> json_out, csv_out;
  if (!o->json_out.empty())
    json_out.emplace(o->json_out);
  if (!o->csv_out.empty())
    csv_out.emplace(o->csv_out);
  auto machine = bench::machine_facts();

  auto outcomes = bench::run_all(*o, cases);

  // Tables go to stdout unless the JSON or CSV does.
  bool stdout_taken = o->json_out == "-" || o->csv_out == "-";
  bench::print_tables(stdout_taken ? std::cerr : std::cout, outcomes);
  if (json_out) {
    auto doc = bench::to_json(*o, outcomes);
    machine["loadavg_end"] = bench::machine_facts()["loadavg_start"];
    doc["machine"] = machine;
    json_out->stream() << doc.dump(1) << "\n";
  }
  if (csv_out)
    bench::write_csv(csv_out->stream(), outcomes);

  std::size_t runs = 0, failures = 0;
  for (auto& co : outcomes)
    for (auto& s : co.subjects)
      for (auto& r : s.runs) {
        ++runs;
        failures += bench::failed(r) ? 1 : 0;
      }
  std::cerr << "liner-bench: " << runs << " runs, " << failures << " failed\n";
  return failures ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--child") == 0)
    return bench::child_main(argv[2]);
  try {
    return run(argc, argv);
  } catch (const bench::usage_error& e) {
    std::string msg = e.what(); // one line, whatever the parser said
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    std::cerr << "liner-bench: " << msg << " (see liner-bench --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "liner-bench: error: " << e.what() << "\n";
    return 1;
  }
}
