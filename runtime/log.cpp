#include "runtime/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>

namespace liner::log {

namespace {

constexpr const char* pattern = "[%Y-%m-%d %H:%M:%S.%e] [%l] %v";

spdlog::level::level_enum to_spdlog(level lv) {
  switch (lv) {
    case level::trace: return spdlog::level::trace;
    case level::debug: return spdlog::level::debug;
    case level::info: return spdlog::level::info;
    case level::warn: return spdlog::level::warn;
    case level::error: return spdlog::level::err;
    case level::off: break;
  }
  return spdlog::level::off;
}

// How the hook sees a level: liner's lines start with "Error ".
const char* hook_prefix(spdlog::level::level_enum lv) {
  switch (lv) {
    case spdlog::level::trace: return "Trace ";
    case spdlog::level::debug: return "Debug ";
    case spdlog::level::info: return "Info ";
    case spdlog::level::warn: return "Warn ";
    default: return "Error ";
  }
}

// The hook when one is installed, else stderr. Not spdlog's locking sink:
// the hook must run without any lock held (it may log or call the library).
class hook_or_stderr final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
public:
  void set_hook(log::sink s) {
    std::lock_guard<std::mutex> guard{mutex_};
    hook_ = s ? std::make_shared<log::sink>(std::move(s)) : nullptr;
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::shared_ptr<log::sink> hook;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      hook = hook_;
    }
    std::string_view payload{msg.payload.data(), msg.payload.size()};
    // A line with a NUL byte cannot be a C string: it goes to stderr (as in liner).
    if (hook && payload.find('\0') == std::string_view::npos) {
      (*hook)(hook_prefix(msg.level) + std::string(payload));
      return;
    }
    spdlog::memory_buf_t line;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      formatter_->format(msg, line);
    }
    std::fwrite(line.data(), 1, line.size(), stderr); // one call: lines do not interleave
  }
  void flush_() override { std::fflush(stderr); }

private:
  std::mutex mutex_;
  std::shared_ptr<log::sink> hook_;
};

struct state {
  std::atomic<level> threshold{level::warn};
  std::shared_ptr<hook_or_stderr> front = std::make_shared<hook_or_stderr>();
  std::unique_ptr<spdlog::logger> logger;

  state() {
    if (auto env = std::getenv("LINER_LOG"); env && *env) {
      if (auto lv = parse_level(env))
        threshold = *lv;
      else
        std::fprintf(stderr, "liner: LINER_LOG=%s is not a level (trace, debug, info, warn, "
                             "error, off); using warn\n", env);
    }
    front->set_pattern(pattern);
    std::vector<spdlog::sink_ptr> sinks{front};
    if (auto path = std::getenv("LINER_LOG_FILE"); path && *path) {
      try {
        auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false);
        file->set_pattern(pattern);
        sinks.push_back(std::move(file));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "liner: LINER_LOG_FILE=%s cannot be opened: %s\n", path, e.what());
      }
    }
    // Not registered with spdlog: applications keep their own default logger.
    logger = std::make_unique<spdlog::logger>("liner", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::trace); // write() filters
    logger->flush_on(spdlog::level::trace);  // a crash must not take the last lines with it
  }
};

state& the_state() {
  static state s;
  return s;
}

} // namespace

std::optional<level> parse_level(std::string_view text) {
  static const std::pair<std::string_view, level> names[] = {
    {"trace", level::trace}, {"debug", level::debug}, {"info", level::info},
    {"warn", level::warn},   {"warning", level::warn}, {"error", level::error},
    {"off", level::off}};
  for (auto& [name, lv] : names)
    if (text == name)
      return lv;
  return std::nullopt;
}

const char* level_name(level lv) {
  static const char* names[] = {"trace", "debug", "info", "warn", "error", "off"};
  return names[static_cast<int>(lv)];
}

level current_level() {
  return the_state().threshold.load(std::memory_order_relaxed);
}

void set_level(level lv) {
  the_state().threshold = lv;
}

void set_sink(sink s) {
  the_state().front->set_hook(std::move(s));
}

void write(level lv, std::string_view who, std::string_view text) {
  if (!enabled(lv))
    return;
  auto& s = the_state();
  std::string line;
  line.reserve(who.size() + 2 + text.size());
  line.append(who).append(": ").append(text);
  s.logger->log(to_spdlog(lv), spdlog::string_view_t{line.data(), line.size()});
}

// -- repeat_counter -------------------------------------------------------------

std::size_t repeat_counter::count(std::size_t n) {
  since_line_ += n;
  auto now = std::chrono::steady_clock::now();
  if (now - last_line_ < std::chrono::seconds{1})
    return 0;
  last_line_ = now;
  auto total = since_line_;
  since_line_ = 0;
  return total;
}

// -- failure_log ----------------------------------------------------------------

failure_log::failure_log(std::chrono::seconds window) : window_{window} {}

void failure_log::failed(std::string_view who, const std::string& key, std::string_view text) {
  if (!enabled(level::warn))
    return;
  auto now = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> guard{mutex_};
  auto it = causes_.find(key);
  // Past max_causes distinct causes in one window, the rest share one entry.
  static const std::string other = "other causes";
  const std::string& cause = it != causes_.end() || causes_.size() < max_causes ? key : other;
  if (&cause == &other)
    it = causes_.find(other);
  if (it != causes_.end() && now - it->second.window_start < window_) {
    ++it->second.repeats; // counted, written in the summary
    it->second.last_text = std::string(text);
    return;
  }
  std::string summary = it != causes_.end() ? summarize(cause, it->second) : std::string{};
  // Forget quiet causes, so a churn of addresses cannot grow the map.
  for (auto i = causes_.begin(); i != causes_.end();)
    i = (i->second.repeats == 0 && now - i->second.window_start >= window_) ? causes_.erase(i)
                                                                             : std::next(i);
  causes_[cause] = entry{now, 0, {}};
  guard.unlock();
  if (!summary.empty())
    write(level::warn, who, summary);
  write(level::warn, who, text);
}

std::string failure_log::summarize(const std::string& cause, entry& e) {
  if (e.repeats == 0)
    return {};
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::steady_clock::now() - e.window_start).count();
  auto line = e.last_text + " (" + std::to_string(e.repeats) + " more time"
              + (e.repeats == 1 ? "" : "s") + " in " + std::to_string(seconds) + " s: " + cause
              + ")";
  e.repeats = 0;
  return line;
}

void failure_log::flush(std::string_view who) {
  std::vector<std::string> lines;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [cause, e] : causes_)
      if (auto line = summarize(cause, e); !line.empty())
        lines.push_back(std::move(line));
    causes_.clear();
  }
  for (auto& line : lines) // without our lock: the hook may log
    write(level::warn, who, line);
}

} // namespace liner::log
