// runtime/log: levels, the hook's line format, failure_log's once-per-cause
// summaries, LINER_LOG / LINER_LOG_FILE (in a child process: they are read
// once per process), and a client's background failures logged at warn
// without any status callback.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "runtime/log.hpp"
#include "support/captured_log.hpp"
#include "support/child_process.hpp"
#include "support/client_helpers.hpp"
#include "support/raw_socket.hpp"

using namespace liner;
using namespace liner::test;

namespace {

// Restores the level a test changed.
struct level_guard {
  log::level saved = log::current_level();
  ~level_guard() { log::set_level(saved); }
};

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

TEST(log, parse_level_knows_the_six_levels_and_nothing_else) {
  EXPECT_EQ(log::parse_level("trace"), log::level::trace);
  EXPECT_EQ(log::parse_level("debug"), log::level::debug);
  EXPECT_EQ(log::parse_level("info"), log::level::info);
  EXPECT_EQ(log::parse_level("warn"), log::level::warn);
  EXPECT_EQ(log::parse_level("warning"), log::level::warn);
  EXPECT_EQ(log::parse_level("error"), log::level::error);
  EXPECT_EQ(log::parse_level("off"), log::level::off);
  for (auto bad : {"", "WARN", "verbose", "3", "warn "})
    EXPECT_FALSE(log::parse_level(bad)) << bad;
}

TEST(log, the_hook_gets_level_client_and_text_and_nothing_below_the_level) {
  level_guard restore;
  captured_log captured;
  log::set_level(log::level::warn);
  log::debug("alice", "not written");
  log::info("alice", "not written either");
  log::warn("alice", "route to 'bob' lost");
  log::error(log::library, "client was not created");
  EXPECT_EQ(captured.lines(), (std::vector<std::string>{"Warn alice: route to 'bob' lost",
                                                        "Error liner: client was not created"}));
  log::set_level(log::level::trace);
  log::debug("alice", "now written");
  log::set_level(log::level::off);
  log::error("alice", "off means off");
  EXPECT_EQ(captured.lines().back(), "Debug alice: now written");
}

TEST(failure_log, the_first_failure_is_written_and_repeats_are_summed_up) {
  level_guard restore;
  log::set_level(log::level::warn);
  captured_log captured;
  log::failure_log failures;
  for (int i = 0; i < 1000; ++i)
    failures.failed("alice", "route lost: 'bob'", "route to 'bob' lost: attempt " + std::to_string(i));
  failures.failed("alice", "store (sender)", "store error while sending: timeout");
  EXPECT_EQ(captured.lines(), (std::vector<std::string>{
                                "Warn alice: route to 'bob' lost: attempt 0",
                                "Warn alice: store error while sending: timeout"}));
  failures.flush("alice");
  auto lines = captured.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].rfind("Warn alice: route to 'bob' lost: attempt 999 (999 more times in ", 0), 0u)
    << lines[2];
  EXPECT_NE(lines[2].find("route lost: 'bob')"), std::string::npos) << lines[2];
}

TEST(failure_log, a_flood_of_distinct_causes_is_bounded) {
  level_guard restore;
  log::set_level(log::level::warn);
  captured_log captured;
  log::failure_log failures;
  for (int i = 0; i < 10000; ++i)
    failures.failed("alice", "cause " + std::to_string(i), "failure " + std::to_string(i));
  // One line per remembered cause, then one for all the others together.
  EXPECT_EQ(captured.lines().size(), log::failure_log::max_causes + 1);
  failures.flush("alice");
  EXPECT_EQ(captured.lines().size(), log::failure_log::max_causes + 2);
  EXPECT_NE(captured.lines().back().find("other causes"), std::string::npos);
}

// LINER_LOG and LINER_LOG_FILE are read at the first line a process writes:
// this test runs the next one in a child process with them set.
TEST(log_environment, liner_log_and_liner_log_file_are_obeyed) {
  temp_dir dir;
  auto run_child = [&](const char* level, const std::string& file) {
    setenv("LINER_LOG", level, 1);
    setenv("LINER_LOG_FILE", file.c_str(), 1);
    child_process child{{"/proc/self/exe", "--gtest_also_run_disabled_tests",
                         "--gtest_filter=log_environment.DISABLED_child_writes_each_level"}};
    unsetenv("LINER_LOG");
    unsetenv("LINER_LOG_FILE");
    return child.wait();
  };
  auto info_file = dir.path() + "/info.log";
  ASSERT_EQ(run_child("info", info_file), 0);
  auto text = read_file(info_file);
  // "[2026-12-05 11:40:01.123] [info] child-client: an info line"
  std::regex stamp{R"(^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[info\] child-client: an info line$)"};
  std::istringstream in{text};
  std::string first;
  std::getline(in, first);
  EXPECT_TRUE(std::regex_match(first, stamp)) << text;
  EXPECT_EQ(text.find("a debug line"), std::string::npos) << text;
  EXPECT_NE(text.find("] [warning] child-client: a warn line"), std::string::npos) << text;
  EXPECT_NE(text.find("] [error] child-client: an error line"), std::string::npos) << text;

  auto off_file = dir.path() + "/off.log";
  ASSERT_EQ(run_child("off", off_file), 0);
  EXPECT_EQ(read_file(off_file), "");

  auto default_file = dir.path() + "/default.log"; // not a level: warn
  ASSERT_EQ(run_child("loud", default_file), 0);
  text = read_file(default_file);
  EXPECT_EQ(text.find("an info line"), std::string::npos) << text;
  EXPECT_NE(text.find("a warn line"), std::string::npos) << text;
}

// Run only by the test above, in its child.
TEST(log_environment, DISABLED_child_writes_each_level) {
  log::debug("child-client", "a debug line");
  log::info("child-client", "an info line");
  log::warn("child-client", "a warn line");
  log::error("child-client", "an error line");
}

class log_client_test : public client_fixture {};

// No status callback: a route that cannot connect is still reported, at
// warn, once for its many failed attempts (the rest go into a summary).
TEST_P(log_client_test, a_route_that_cannot_connect_is_logged_once_without_a_status_callback) {
  level_guard restore;
  log::set_level(log::level::warn);
  dead_address ghost;
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  a->client->set_status_callback({});
  db->add_catalog_row("gone", ghost.addr(), "ghost");
  captured_log captured;
  ASSERT_TRUE(a->send("gone", "x", true));
  ASSERT_TRUE(captured.wait_for("Warn a-name: route to topic 'gone' lost: tcp connect failed: "))
    << "lines: " << ::testing::PrintToString(captured.lines());
  // More attempts (and more sends) fail the same way; nothing more is written now.
  for (int i = 0; i < 20; ++i)
    a->send("gone", "x", true);
  a->client->refresh_address_topic("gone"); // a reconnect at once
  EXPECT_EQ(captured.count_containing("route to topic 'gone' lost"), 1u)
    << ::testing::PrintToString(captured.lines());
}

// At info, an operator sees a client's life: run, routes connected, stop;
// at debug also every inbound connection.
TEST_P(log_client_test, info_and_debug_lines_tell_a_clients_life) {
  level_guard restore;
  log::set_level(log::level::debug);
  captured_log seen;
  auto b = running("b-name", "b");
  auto a = running("a-name", "a");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(seen.shows("Info a-name: running: topic 'a', bound to 127.0.0.1:"));
  ASSERT_TRUE(a->send("b", "x", true));
  ASSERT_TRUE(b->in.wait_for_count(1));
  EXPECT_TRUE(seen.shows("Info a-name: route to 'b-name' at " + *b->client->published_addr() + " connected"));
  EXPECT_TRUE(seen.shows("Debug b-name: inbound connection #1 from 127.0.0.1:"));
  a->client->stop();
  EXPECT_TRUE(seen.shows("Info a-name: stopped"));
  EXPECT_TRUE(seen.shows("Debug b-name: inbound connection #1 closed"));
}

INSTANTIATE_TEST_SUITE_P(backends, log_client_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
