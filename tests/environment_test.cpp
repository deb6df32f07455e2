// The LINER_* variables read by the library: numbers out of range or not
// numbers are named (knobs::environment_problems, logged at the first
// client) and ignored; half a TLS setup refuses the client before its store
// is touched. The variables that are read once per process (the knobs' start
// values) are checked in a child process.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <liner/client.hpp>

#include "runtime/knobs.hpp"
#include "support/child_process.hpp"
#include "support/test_backends.hpp"

using namespace liner;
using namespace liner::test;

namespace {

// Sets a variable for one scope and restores what was there.
class scoped_env {
public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    setenv(name, value, 1);
  }
  ~scoped_env() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string problems_text() {
  std::string out;
  for (const auto& p : knobs::environment_problems())
    out += p + "\n";
  return out;
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace

TEST(environment, well_formed_or_unset_numbers_are_no_problem) {
  scoped_env a{"LINER_STORE_TIMEOUT_MS", "2500"};
  scoped_env b{"LINER_SEND_TIMEOUT_MS", "0"}; // 0: never wait, allowed
  scoped_env c{"LINER_SEND_BUFFER", ""};      // empty counts as unset
  scoped_env d{"LINER_HEARTBEAT_MS", "0"};    // heartbeats off, allowed
  EXPECT_EQ(problems_text(), "");
}

TEST(environment, each_bad_number_is_named_with_its_range_and_the_value_used) {
  scoped_env a{"LINER_STORE_TIMEOUT_MS", "abc"};
  scoped_env b{"LINER_FIRST_FRAME_TIMEOUT_MS", "0"};
  scoped_env c{"LINER_SEND_TIMEOUT_MS", "86400001"};              // above a day
  scoped_env d{"LINER_SEND_BUFFER", "99999999999999999999999"};   // overflows long long
  scoped_env e{"LINER_INBOUND_BUDGET", "1e6"};
  scoped_env f{"LINER_MAX_INBOUND_CONNECTIONS", "-4"};
  scoped_env g{"LINER_PEER_TIMEOUT_MS", "50"}; // below the smallest, 100
  scoped_env h{"LINER_HEARTBEAT_MS", "often"};
  auto text = problems_text();
  EXPECT_NE(text.find("LINER_STORE_TIMEOUT_MS=abc is not a whole number from 1 to 86400000 (ms); "
                      "using 5000\n"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("LINER_FIRST_FRAME_TIMEOUT_MS=0 is not a whole number from 1 "),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("LINER_SEND_TIMEOUT_MS=86400001 is not"), std::string::npos) << text;
  EXPECT_NE(text.find("LINER_SEND_BUFFER=99999999999999999999999 is not"), std::string::npos) << text;
  EXPECT_NE(text.find("LINER_INBOUND_BUDGET=1e6 is not"), std::string::npos) << text;
  EXPECT_NE(text.find("LINER_MAX_INBOUND_CONNECTIONS=-4 is not"), std::string::npos) << text;
  EXPECT_NE(text.find("LINER_PEER_TIMEOUT_MS=50 is not a whole number from 100 to 86400000 (ms); "
                      "using 10000\n"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("LINER_HEARTBEAT_MS=often is not a whole number from 0 to 86400000 (ms); "
                      "using 2000\n"),
            std::string::npos)
    << text;
  EXPECT_EQ(knobs::environment_problems().size(), 8u);
}

TEST(environment, timeouts_above_a_day_are_refused_by_the_setters) {
  auto store = knobs::store_timeout();
  EXPECT_FALSE(knobs::set_store_timeout(std::chrono::hours{25}));
  EXPECT_FALSE(knobs::set_store_timeout(std::chrono::milliseconds::max()));
  EXPECT_FALSE(knobs::set_first_frame_timeout(std::chrono::hours{25}));
  EXPECT_FALSE(knobs::set_send_timeout(std::chrono::hours{25}));
  EXPECT_FALSE(knobs::set_heartbeat_interval(std::chrono::hours{25}));
  EXPECT_FALSE(knobs::set_peer_timeout(std::chrono::hours{25}));
  EXPECT_EQ(knobs::store_timeout(), store);
  EXPECT_TRUE(knobs::set_store_timeout(std::chrono::hours{24}));
  EXPECT_TRUE(knobs::set_store_timeout(store));
}

// A certificate without key and CA would otherwise mean plain TCP, quietly.
TEST(environment, half_a_tls_setup_refuses_the_client_and_writes_nothing) {
  temp_dir dir;
  auto path = dir.path() + "/never.db";
  scoped_env cert{"LINER_TLS_CERT", "/etc/ssl/certs/some.pem"};
  scoped_env key{"LINER_TLS_KEY", ""};
  std::string error;
  auto c = Client::create_sqlite("a", "a", "127.0.0.1:0", path, "", &error);
  EXPECT_EQ(c, nullptr);
  EXPECT_EQ(Client::last_create_error(), error_code::invalid_arg);
  EXPECT_EQ(error, "LINER_TLS_CERT, LINER_TLS_KEY and LINER_TLS_CA go together; missing: "
                   "LINER_TLS_KEY, LINER_TLS_CA");
  EXPECT_FALSE(exists(path)) << "the store was opened for a refused client";
}

// The knobs take their start values when the process starts: a child with
// bad values must run on the defaults and say so once, at its first client.
TEST(environment, bad_start_values_are_ignored_and_logged_once) {
  temp_dir dir;
  auto log_file = dir.path() + "/child.log";
  int status;
  {
    scoped_env a{"LINER_STORE_TIMEOUT_MS", "99999999999999999999"};
    scoped_env b{"LINER_SEND_BUFFER", "lots"};
    scoped_env c{"LINER_LOG_FILE", log_file.c_str()};
    scoped_env d{"CHILD_DB", (dir.path() + "/child.db").c_str()};
    child_process child{{"/proc/self/exe", "--gtest_also_run_disabled_tests",
                         "--gtest_filter=environment.DISABLED_child_runs_on_defaults"}};
    status = child.wait();
  }
  ASSERT_EQ(status, 0);
  std::ifstream in{log_file};
  std::stringstream text;
  text << in.rdbuf();
  auto s = text.str();
  auto line = "[warning] liner: LINER_STORE_TIMEOUT_MS=99999999999999999999 is not a whole number";
  ASSERT_NE(s.find(line), std::string::npos) << s;
  EXPECT_EQ(s.find(line, s.find(line) + 1), std::string::npos) << "logged twice:\n" << s;
  EXPECT_NE(s.find("[warning] liner: LINER_SEND_BUFFER=lots is not a whole number"), std::string::npos)
    << s;
}

// Run only by the test above, in its child.
TEST(environment, DISABLED_child_runs_on_defaults) {
  EXPECT_EQ(knobs::store_timeout(), defaults::store_timeout);
  EXPECT_EQ(knobs::send_buffer(), defaults::send_buffer);
  const char* db = std::getenv("CHILD_DB");
  ASSERT_NE(db, nullptr);
  std::string error;
  auto a = Client::create_sqlite("a", "a", "127.0.0.1:0", db, "", &error);
  ASSERT_NE(a, nullptr) << error;
  auto b = Client::create_sqlite("b", "b", "127.0.0.1:0", db, "", &error);
  ASSERT_NE(b, nullptr) << error;
}
