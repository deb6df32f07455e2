// runtime/net_address: "host:port" as liner writes it, and what is refused.
#include <gtest/gtest.h>

#include "runtime/net_address.hpp"

using namespace liner;

TEST(net_address, resolves_ipv4_bracketed_ipv6_and_names) {
  auto v4 = net::resolve("127.0.0.1:2255");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:2255");
  auto v6 = net::resolve("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->to_string(), "[::1]:0");
  auto named = net::resolve("localhost:65535");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->port, 65535);
}

TEST(net_address, refuses_what_is_not_host_colon_port) {
  for (auto bad : {"::1:0",         // IPv6 without brackets: which colon is the port's?
                   "fe80::1:2255", "[::1]", "[::1]:", "[]:80", "[::1:80", "::1]:80",
                   "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536", "127.0.0.1:-1",
                   "127.0.0.1:80x", "127.0.0.1:123456", "", ":", "a:b:c"})
    EXPECT_FALSE(net::resolve(bad)) << bad;
}
