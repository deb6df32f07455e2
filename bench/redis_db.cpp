#include "redis_db.hpp"

#include <chrono>
#include <iostream>
#include <stdexcept>

#include "stores/redis_connection.hpp"
#include "stores/store.hpp"

namespace bench {

namespace {

void run_in(const std::string& url, const liner::redis::command& cmd, long long* integer = nullptr) {
  liner::redis::connection c{url};
  c.set_deadline(std::chrono::steady_clock::now() + std::chrono::seconds{10});
  c.connect();
  auto v = c.run(cmd);
  if (integer)
    *integer = v.integer;
}

// The URL with another database number (the path of redis://host:port/N).
std::string with_db(const std::string& url, long long db) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  auto query = url.find('?');
  std::string base = url.substr(0, std::min(slash, query));
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + std::to_string(db) + rest;
}

} // namespace

redis_db::redis_db(const std::string& base_url) {
  try {
    if (base_url.rfind("redis://", 0) != 0)
      throw std::runtime_error("--redis-url must be redis://[:password@]host[:port][/db]");
    long long n = 0;
    run_in(base_url, {"INCR", "liner_test:next_db"}, &n);
    url_ = with_db(base_url, 1 + n % 9999);
    run_in(url_, {"FLUSHDB"});
  } catch (const liner::store_error& e) {
    throw std::runtime_error(std::string("Redis for the benchmark: ") + e.what());
  }
}

redis_db::~redis_db() {
  try {
    run_in(url_, {"FLUSHDB"});
  } catch (const std::exception& e) {
    std::cerr << "liner-bench: emptying " << url_ << ": " << e.what() << "\n";
  }
}

} // namespace bench
