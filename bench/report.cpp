#include "report.hpp"

#include "catalog.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace bench {

using nlohmann::json;

std::string format_value(double v) {
  char buf[64];
  double a = std::fabs(v);
  if (a >= 999.5e6)
    std::snprintf(buf, sizeof buf, "%.3gG", v / 1e9);
  else if (a >= 999.5e3)
    std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (a >= 1e4)
    std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else if (a >= 100 || v == 0)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::optional<spread> summarize(const subject_runs& s, const std::string& key) {
  std::vector<double> v;
  for (auto& r : s.runs)
    if (r.result.status == "ok")
      for (auto& [k, value] : r.result.figures)
        if (k == key)
          v.push_back(value);
  if (v.empty())
    return std::nullopt;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return spread{median, v.front(), v.back(), static_cast<int>(n)};
}

namespace {

/// The case's figures: the workload's own in its order, then any other a run had.
std::vector<figure_info> figures_of(const case_outcome& co) {
  const workload_info& w = *find_workload(co.c.workload);
  std::vector<figure_info> fs = w.figures;
  for (auto& s : co.subjects)
    for (auto& r : s.runs)
      for (auto& [key, v] : r.result.figures)
        if (std::none_of(fs.begin(), fs.end(), [&](auto& f) { return f.key == key; }))
          fs.push_back(describe_figure(w, key));
  return fs;
}

int ok_runs(const subject_runs& s) {
  return static_cast<int>(std::count_if(s.runs.begin(), s.runs.end(),
                                        [](auto& r) { return r.result.status == "ok"; }));
}

/// "lost x2, crash x1", or why the subject did not run.
std::string status_summary(const subject_runs& s) {
  if (!s.unsupported.empty())
    return "n/a: " + s.unsupported;
  std::map<std::string, int> by;
  for (auto& r : s.runs)
    if (r.result.status != "ok")
      ++by[r.result.status];
  std::string out;
  for (auto& [status, n] : by)
    out += (out.empty() ? "" : ", ") + status + " x" + std::to_string(n);
  return out.empty() ? "ok" : out;
}

/// Ratio of the first subject's median to each other's: "capi/cpp" -> 0.98.
std::vector<std::pair<std::string, double>> ratios(const case_outcome& co, const std::string& key) {
  std::vector<std::pair<std::string, double>> out;
  if (co.subjects.empty())
    return out;
  auto first = summarize(co.subjects.front(), key);
  if (!first)
    return out;
  for (std::size_t i = 1; i < co.subjects.size(); ++i) {
    auto other = summarize(co.subjects[i], key);
    if (other && other->median != 0)
      out.emplace_back(co.subjects.front().who.name + "/" + co.subjects[i].who.name,
                       first->median / other->median);
  }
  return out;
}

/// Display width of UTF-8 text (every code point counts one).
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(
    std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, std::size_t w) {
  std::size_t have = width(s);
  return have >= w ? s + " " : s + std::string(w - have, ' ');
}

std::string ratio_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f×", r);
  return buf;
}

} // namespace

void print_tables(std::ostream& out, const std::vector<case_outcome>& outcomes) {
  std::size_t name_w = 10;
  for (auto& co : outcomes)
    for (auto& s : co.subjects)
      name_w = std::max(name_w, width(co.subjects.front().who.name + "/" + s.who.name) + 2);
  for (auto& co : outcomes) {
    out << "\n== " << co.c.label << "\n";
    for (auto& f : figures_of(co)) {
      if (!f.in_table)
        continue;
      out << "  " << f.label << " (" << f.unit << ", " << (f.higher_is_better ? "higher" : "lower")
          << " is better)\n";
      out << "    " << pad("subject", name_w) << pad("median", 10) << pad("min – max", 22)
          << pad("unit", 10) << "runs\n";
      for (auto& s : co.subjects) {
        auto sp = summarize(s, f.key);
        std::string runs = s.unsupported.empty()
                             ? std::to_string(ok_runs(s)) + "/" + std::to_string(s.runs.size()) + " ok"
                             : "";
        out << "    " << pad(s.who.name, name_w);
        if (sp)
          out << pad(format_value(sp->median), 10)
              << pad(format_value(sp->min) + " – " + format_value(sp->max), 22) << pad(f.unit, 10)
              << runs;
        else
          out << status_summary(s);
        if (sp && ok_runs(s) != static_cast<int>(s.runs.size()))
          out << " (" << status_summary(s) << ")";
        out << "\n";
      }
      for (auto& [name, r] : ratios(co, f.key))
        out << "    " << pad(name, name_w) << ratio_text(r) << "\n";
    }
    // Every failed run, and each distinct note, once.
    std::vector<std::string> notes;
    for (auto& s : co.subjects)
      for (auto& r : s.runs) {
        if (r.result.status != "ok")
          out << "  ! " << s.who.name << " round " << r.round << ": " << r.result.status << ": "
              << r.result.error << "\n";
        for (auto& n : r.result.notes)
          if (std::find(notes.begin(), notes.end(), n) == notes.end())
            notes.push_back(n);
      }
    for (auto& n : notes)
      out << "  note: " << n << "\n";
  }
}

json to_json(const options& o, const std::vector<case_outcome>& outcomes) {
  json cases = json::array();
  for (auto& co : outcomes) {
    json figures = json::array();
    auto fs = figures_of(co);
    for (auto& f : fs)
      figures.push_back({{"key", f.key}, {"label", f.label}, {"unit", f.unit},
                         {"higher_is_better", f.higher_is_better}, {"in_table", f.in_table}});
    json subjects = json::array();
    for (auto& s : co.subjects) {
      json runs = json::array();
      for (auto& r : s.runs) {
        json figs = json::object(), counts = json::object();
        for (auto& [k, v] : r.result.figures)
          figs[k] = v;
        for (auto& [k, v] : r.result.counts)
          counts[k] = v;
        runs.push_back({{"round", r.round}, {"status", r.result.status}, {"error", r.result.error},
                        {"figures", figs}, {"counts", counts}, {"notes", r.result.notes},
                        {"library", r.result.library},
                        {"wall_s", r.wall_s}, {"cpu_user_s", r.cpu_user_s},
                        {"cpu_sys_s", r.cpu_sys_s}, {"teardown_s", r.teardown_s},
                        {"stderr_tail", r.stderr_tail}});
      }
      json summary = json::object();
      for (auto& f : fs)
        if (auto sp = summarize(s, f.key))
          summary[f.key] = {{"median", sp->median}, {"min", sp->min}, {"max", sp->max}, {"n", sp->n}};
      subjects.push_back({{"name", s.who.name}, {"kind", s.who.kind}, {"lib", s.who.lib},
                          {"unsupported", s.unsupported}, {"status", status_summary(s)},
                          {"runs", runs}, {"summary", summary}});
    }
    json ratio = json::object();
    for (auto& f : fs)
      for (auto& [name, r] : ratios(co, f.key))
        ratio[f.key][name] = r;
    cases.push_back({{"workload", co.c.workload}, {"label", co.c.label},
                     {"params", {{"size", co.c.size}, {"count", co.c.count}, {"peers", co.c.peers},
                                 {"alo", co.c.alo}, {"durable", co.c.durable}, {"store", co.c.store}}},
                     {"figures", figures}, {"subjects", subjects}, {"ratios", ratio}});
  }
  json subjects = json::array();
  for (auto& s : o.subjects)
    subjects.push_back(to_json(s));
  return {{"tool", "liner-bench"},
          {"command_line", o.command_line},
          {"rounds", o.rounds},
          {"quick", o.quick},
          {"timeout_s", o.timeout_s},
          {"subjects", subjects},
          {"cases", cases}};
}

void write_csv(std::ostream& out, const std::vector<case_outcome>& outcomes) {
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos)
      return s;
    std::string q = "\"";
    for (char c : s)
      q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  out << "workload,case,subject,figure,unit,higher_is_better,median,min,max,ok_runs,runs,status\n";
  for (auto& co : outcomes)
    for (auto& f : figures_of(co))
      for (auto& s : co.subjects) {
        auto sp = summarize(s, f.key);
        out << field(co.c.workload) << "," << field(co.c.label) << "," << field(s.who.name) << ","
            << field(f.key) << "," << field(f.unit) << "," << (f.higher_is_better ? 1 : 0) << ",";
        if (sp)
          out << sp->median << "," << sp->min << "," << sp->max;
        else
          out << ",,";
        out << "," << ok_runs(s) << "," << s.runs.size() << "," << field(status_summary(s)) << "\n";
      }
}

} // namespace bench
