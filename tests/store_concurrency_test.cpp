// Several processes using one fresh database for the first time at the same
// moment: schema creation and key allocation must never fail (liner raced
// here on PostgreSQL) and must agree.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include "support/child_process.hpp"
#include "support/test_backends.hpp"

using liner::test::child_process;
using liner::test::make_test_database;

namespace {

class store_concurrency_test : public ::testing::TestWithParam<std::string> {};

constexpr int processes = 8;
constexpr int rounds = 3;

} // namespace

TEST_P(store_concurrency_test, first_use_by_many_processes_at_once) {
  for (int round = 0; round < rounds; ++round) {
    auto db = make_test_database(GetParam()); // empty: no tables yet
    auto start = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count()
                 + 300;
    std::vector<std::unique_ptr<child_process>> children;
    for (int i = 0; i < processes; ++i)
      children.push_back(std::make_unique<child_process>(std::vector<std::string>{
        LINER_STORE_FIRST_USE_BIN, GetParam(), db->location(), "p" + std::to_string(i),
        std::to_string(start)}));
    std::map<std::string, std::set<int>> topic_keys;
    std::set<int> cks;
    for (auto& c : children) {
      ASSERT_EQ(c->wait(), 0) << "round " << round;
      std::istringstream in{c->output()};
      std::string kind, name;
      int key;
      while (in >> kind) {
        if (kind == "topic") {
          in >> name >> key;
          topic_keys[name].insert(key);
        } else {
          in >> key;
          cks.insert(key);
        }
      }
    }
    ASSERT_EQ(topic_keys.size(), 5u);
    std::set<int> all = cks;
    for (auto& [topic, keys] : topic_keys) {
      EXPECT_EQ(keys.size(), 1u) << topic << " got different keys in different processes";
      all.insert(*keys.begin());
    }
    EXPECT_EQ(cks.size(), std::size_t(processes)); // one per sender identity
    EXPECT_EQ(all.size(), cks.size() + topic_keys.size()) << "a key was handed out twice";
    EXPECT_EQ(db->catalog_count("shared-0"), processes);
    if (db->is_sql()) {
      EXPECT_EQ(db->scalar("SELECT COUNT(*) FROM seq"), 1); // one counter row, made once
    }
    // (The counter may be above the keys in use: an allocator that lost a
    // race for a name burned the number it drew, as in liner.)
  }
}

INSTANTIATE_TEST_SUITE_P(backends, store_concurrency_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });
