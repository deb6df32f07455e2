// The metrics endpoint (LINER_METRICS_ADDR): GET /metrics (Prometheus text)
// and GET /stats (JSON) over a real socket while real clients send; bad
// requests get 400/404/405/431 and the endpoint keeps serving; a silent
// connection does not block it; it stops when the last client is deleted; a
// non-loopback address and a port in use are logged at error, and the
// clients run anyway. Each test sets the variable before its first client
// runs: the endpoint is started by the first run after the process had no
// client, so tests in one process do not see each other's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>

#include <nlohmann/json.hpp>

#include "runtime/log.hpp"
#include "runtime/net_address.hpp"
#include "support/client_helpers.hpp"
#include "support/captured_log.hpp"
#include "support/metrics_helpers.hpp"

using namespace liner;
using namespace liner::test;
using json = nlohmann::json;

namespace {

// LINER_METRICS_ADDR for one test.
class metrics_addr {
public:
  explicit metrics_addr(const std::string& addr) { ::setenv("LINER_METRICS_ADDR", addr.c_str(), 1); }
  ~metrics_addr() { ::unsetenv("LINER_METRICS_ADDR"); }
};

std::string loopback_addr() {
  return "127.0.0.1:" + std::to_string(net::free_loopback_port());
}

class metrics_endpoint_test : public client_fixture {};

TEST_P(metrics_endpoint_test, serves_prometheus_text_and_json) {
  auto addr = loopback_addr();
  metrics_addr env{addr};
  auto b = running("b-name", "b");
  ASSERT_TRUE(b);
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(a->send("b", "abcd"));
  ASSERT_TRUE(b->in.wait_for_count(3));

  auto metrics = http_get(addr, "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.error;
  EXPECT_NE(metrics.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
    << metrics.head;
  auto& text = metrics.body;
  for (auto* line : {"# TYPE liner_sent_messages_total counter\n",
                     "# HELP liner_sent_messages_total ",
                     "\nliner_sent_messages_total{client=\"a-name\"} 3\n",
                     "\nliner_sent_bytes_total{client=\"a-name\"} 12\n",
                     "\nliner_delivered_messages_total{client=\"b-name\"} 3\n",
                     "\nliner_client_running{client=\"a-name\"} 1\n",
                     "\nliner_route_sent_messages_total{client=\"a-name\",listener=\"b-name\"} 3\n",
                     "\nliner_route_connected{client=\"a-name\",listener=\"b-name\"} 1\n",
                     "# TYPE liner_route_queued gauge\n"})
    EXPECT_NE(text.find(line), std::string::npos) << "no '" << line << "' in\n" << text;

  auto stats = http_get(addr, "/stats?pretty=no"); // a query string is ignored
  ASSERT_EQ(stats.status, 200) << stats.error;
  auto clients = json::parse(stats.body);
  ASSERT_TRUE(clients.is_array());
  ASSERT_EQ(clients.size(), 2u) << stats.body;
  std::set<std::string> names;
  for (auto& c : clients) {
    names.insert(c.at("client").get<std::string>());
    if (c["client"] == "a-name") {
      EXPECT_EQ(c["sent"]["messages"], 3);
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"a-name", "b-name"}));
}

TEST_P(metrics_endpoint_test, bad_requests_are_answered_and_it_keeps_serving) {
  auto addr = loopback_addr();
  metrics_addr env{addr};
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);

  // A client that connects and says nothing holds one slot, not the endpoint.
  std::string error;
  int silent = net::connect_with_timeout(addr, wait_deadline, error);
  ASSERT_GE(silent, 0) << error;

  EXPECT_EQ(http_exchange(addr, "\x16\x03\x01 garbage\r\n\r\n").status, 400);
  EXPECT_EQ(http_exchange(addr, "GET /metrics\r\n\r\n").status, 400); // no version
  EXPECT_EQ(http_exchange(addr, "GET /metrics HTTP/2.0\r\n\r\n").status, 400);
  EXPECT_EQ(http_get(addr, "/nothing-here").status, 404);
  auto post = http_exchange(addr, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET"), std::string::npos) << post.head;
  auto huge = http_exchange(addr, "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(20000, 'x')
                                    + "\r\n\r\n");
  EXPECT_EQ(huge.status, 431) << huge.error;

  auto after = http_get(addr, "/metrics");
  EXPECT_EQ(after.status, 200) << after.error;
  EXPECT_NE(after.body.find("liner_client_running{client=\"a-name\"} 1"), std::string::npos);
  ::close(silent);

  // The last client deleted, the endpoint is gone.
  a.reset();
  EXPECT_EQ(http_get(addr, "/metrics").status, 0);
}

TEST_P(metrics_endpoint_test, label_values_are_escaped) {
  auto addr = loopback_addr();
  metrics_addr env{addr};
  auto a = running("we\"ird\\name", "a");
  ASSERT_TRUE(a);
  auto metrics = http_get(addr, "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.error;
  EXPECT_NE(metrics.body.find("liner_client_running{client=\"we\\\"ird\\\\name\"} 1"),
            std::string::npos)
    << metrics.body;
}

TEST_P(metrics_endpoint_test, a_non_loopback_address_is_refused) {
  auto port = std::to_string(net::free_loopback_port());
  metrics_addr env{"0.0.0.0:" + port};
  captured_log log;
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  auto line = log.containing("LINER_METRICS_ADDR");
  EXPECT_EQ(line.rfind("Error liner: ", 0), 0u) << line;
  EXPECT_NE(line.find("only loopback addresses"), std::string::npos) << line;
  EXPECT_EQ(http_get("127.0.0.1:" + port, "/metrics").status, 0); // nothing listens
}

TEST_P(metrics_endpoint_test, a_port_in_use_is_logged_and_the_client_runs) {
  std::string error;
  auto taken = net::resolve("127.0.0.1:0");
  ASSERT_TRUE(taken);
  int fd = net::listen_on(*taken, error);
  ASSERT_GE(fd, 0) << error;
  auto addr = net::local_endpoint(fd)->to_string();
  metrics_addr env{addr};
  captured_log log;
  auto a = running("a-name", "a");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->client->is_running());
  auto line = log.containing("LINER_METRICS_ADDR");
  EXPECT_EQ(line.rfind("Error liner: ", 0), 0u) << line;
  EXPECT_NE(line.find("cannot listen on " + addr), std::string::npos) << line;
  ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(backends, metrics_endpoint_test, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });

} // namespace
