#include "support/redis_server.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/child_process.hpp"
#include "support/pg_cluster.hpp" // free_local_port

namespace liner::test {

namespace fs = std::filesystem;

namespace {

bool is_stopped(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos)
    return true; // gone
  std::istringstream rest{text.substr(close_paren + 1)};
  char state = 0;
  rest >> state;
  return state == 'T' || state == 't' || state == 'Z' || state == 'X';
}

} // namespace

redis_server::redis_server(std::string redis_script) : script_(std::move(redis_script)) {
  std::string pattern = (fs::temp_directory_path() / "liner-faultredis-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  base_ = pattern;
  port_ = free_local_port();
}

redis_server::~redis_server() {
  try {
    thaw();
    run("destroy");
  } catch (const std::exception& e) {
    std::cerr << "redis_server: cleaning up " << base_ << ": " << e.what() << "\n";
    if (auto pid = server_pid(); pid > 0)
      ::kill(pid, SIGKILL);
  }
  std::error_code ec;
  fs::remove_all(base_, ec);
}

std::string redis_server::run(const std::string& command) {
  child_process p{{"/usr/bin/env", "REDIS_BASE=" + base_, "REDIS_PORT=" + std::to_string(port_),
                   "REDIS_PASS=liner", "REDIS_PERSIST=1", script_, command}};
  int code = p.wait();
  if (code != 0)
    throw std::runtime_error("scripts/redis " + command + " failed with exit code "
                             + std::to_string(code) + " (REDIS_BASE=" + base_ + ")");
  auto out = p.output();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

void redis_server::start() {
  auto url = run("start");
  if (url.rfind("redis://", 0) != 0)
    throw std::runtime_error("scripts/redis start printed '" + url + "', not a URL");
  if (!url_.empty() && url != url_)
    throw std::runtime_error("the private Redis came back at " + url + " instead of " + url_);
  url_ = url;
}

void redis_server::stop() {
  thaw();
  run("stop");
}

void redis_server::restart() {
  stop();
  start();
}

pid_t redis_server::server_pid() const {
  std::ifstream in{base_ + "/redis.pid"};
  long pid = 0;
  if (!(in >> pid))
    return -1;
  return static_cast<pid_t>(pid);
}

void redis_server::freeze() {
  auto pid = server_pid();
  if (pid <= 0)
    throw std::runtime_error("freeze: the private Redis is not running");
  ::kill(pid, SIGSTOP);
  frozen_ = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!is_stopped(pid)) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("freeze: redis-server did not stop");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void redis_server::thaw() {
  if (auto pid = server_pid(); pid > 0)
    ::kill(pid, SIGCONT);
  frozen_ = false;
}

std::string redis_server::fresh_db_url() {
  auto base = url_.substr(0, url_.rfind('/'));
  return base + "/" + std::to_string(next_db_++);
}

} // namespace liner::test
