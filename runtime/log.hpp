// The library's log, on spdlog. Every line has a level, a timestamp (on
// stderr and in the file) and the name of the client it is about ("liner"
// when none).
//
// Where lines go:
// - the hook installed by lnr_set_log_cb / set_sink, as "<Level> <who>: <text>"
//   ("Error alice: not found addr for topic x"); stderr gets nothing then;
// - else stderr, as "[2026-12-05 11:40:01.123] [warning] alice: <text>";
// - and, when LINER_LOG_FILE names a file, that file too (appended).
// Only lines at or above the level are written: LINER_LOG = trace, debug,
// info, warn (the default), error or off.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace liner::log {

enum class level : int { trace, debug, info, warn, error, off };

/// "trace" ... "off" (also "warning"); nullopt for anything else.
std::optional<level> parse_level(std::string_view text);
const char* level_name(level lv);

/// The level in force (LINER_LOG when the first line was written, unless
/// set_level changed it since).
level current_level();
void set_level(level lv);
inline bool enabled(level lv) {
  return lv != level::off && lv >= current_level();
}

using sink = std::function<void(const std::string& line)>;

/// Installs the hook (an empty function restores stderr). The hook runs on
/// the thread that logs, without any lock of the library held.
void set_sink(sink s);

/// Writes one line about `who` (a client's unique name, or "liner").
void write(level lv, std::string_view who, std::string_view text);

inline void error(std::string_view who, std::string_view text) { write(level::error, who, text); }
inline void warn(std::string_view who, std::string_view text) { write(level::warn, who, text); }
inline void info(std::string_view who, std::string_view text) { write(level::info, who, text); }
inline void debug(std::string_view who, std::string_view text) { write(level::debug, who, text); }

/// The `who` of lines that concern no particular client.
inline constexpr std::string_view library = "liner";

/// For an event that can repeat thousands of times a second (a refused or
/// evicted connection in a flood): count(n) adds n and tells how many
/// happened since the last line when one may be written now (at most one a
/// second), else 0.
class repeat_counter {
public:
  std::size_t count(std::size_t n = 1);

private:
  std::size_t since_line_ = 0;
  std::chrono::steady_clock::time_point last_line_{};
};

/// Background failures at warn without flooding: the first failure of a
/// cause (a key such as "route to 10.0.0.2:5000") is written at once; later
/// ones of the same cause are counted and summed up in one line ("... 41
/// more times in the last 60 s") when the cause fails again after the
/// window, or at flush(). Thread-safe.
class failure_log {
public:
  explicit failure_log(std::chrono::seconds window = std::chrono::seconds{60});

  void failed(std::string_view who, const std::string& cause, std::string_view text);
  /// Distinct causes remembered at once; beyond them, one shared "other causes".
  static constexpr std::size_t max_causes = 64;
  /// Writes the summaries still owed (at stop).
  void flush(std::string_view who);

private:
  struct entry {
    std::chrono::steady_clock::time_point window_start;
    std::size_t repeats = 0;
    std::string last_text;
  };
  /// The summary line owed for `e` (empty when none), and a new count.
  static std::string summarize(const std::string& cause, entry& e);

  std::chrono::seconds window_;
  std::mutex mutex_;
  std::map<std::string, entry> causes_; // at most max_causes + 1; quiet ones are dropped
};

} // namespace liner::log
