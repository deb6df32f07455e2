#include "support/pg_cluster.hpp"

#include "support/child_process.hpp"
#include "support/test_backends.hpp"
#include "runtime/net_address.hpp"

#include <pqxx/pqxx>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace liner::test {

namespace fs = std::filesystem;

int free_local_port() {
  return liner::net::free_loopback_port();
}

namespace {

// Field 3 (state) and field 4 (ppid) of /proc/PID/stat; the command name in
// field 2 may hold spaces and parentheses, so parse after the last ')'.
bool read_stat(pid_t pid, char& state, pid_t& ppid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos)
    return false;
  std::istringstream rest{text.substr(close_paren + 1)};
  long parent = 0;
  if (!(rest >> state >> parent))
    return false;
  ppid = static_cast<pid_t>(parent);
  return true;
}

// Every live descendant of `root` (children, their children, ...).
std::vector<pid_t> descendants(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> all; // pid, ppid
  for (auto& entry : fs::directory_iterator{"/proc"}) {
    auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    char state = 0;
    pid_t ppid = 0;
    auto pid = static_cast<pid_t>(std::stol(name));
    if (read_stat(pid, state, ppid) && state != 'Z' && state != 'X')
      all.emplace_back(pid, ppid);
  }
  std::vector<pid_t> out;
  std::set<pid_t> parents{root};
  for (bool grew = true; grew;) {
    grew = false;
    for (auto& [pid, ppid] : all)
      if (parents.count(ppid) && !parents.count(pid)) {
        parents.insert(pid);
        out.push_back(pid);
        grew = true;
      }
  }
  return out;
}

bool is_stopped(pid_t pid) {
  char state = 0;
  pid_t ppid = 0;
  if (!read_stat(pid, state, ppid))
    return true; // gone: nothing left to stop
  return state == 'T' || state == 't' || state == 'Z' || state == 'X';
}

} // namespace

pg_cluster::pg_cluster(std::string pg_script) : script_(std::move(pg_script)) {
  std::string pattern = (fs::temp_directory_path() / "liner-faultpg-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  base_ = pattern;
  // As root, scripts/pg runs the server as `postgres`, which must be able to
  // reach the folder (mkdtemp makes it 0700).
  chmod(base_.c_str(), 0755);
  port_ = free_local_port();
}

pg_cluster::~pg_cluster() {
  try {
    thaw();
    pg("destroy"); // stops (fast, then immediate) and removes the data
  } catch (const std::exception& e) {
    std::cerr << "pg_cluster: cleaning up " << base_ << ": " << e.what() << "\n";
    if (auto pid = postmaster_pid(); pid > 0)
      ::kill(pid, SIGKILL);
  }
  std::error_code ec;
  fs::remove_all(base_, ec);
}

std::string pg_cluster::pg(const std::string& command) {
  child_process p{{"/usr/bin/env", "PG_BASE=" + base_, "PG_PORT=" + std::to_string(port_),
                   "PG_USER=liner", "PG_PASS=liner", "PG_DB=liner", script_, command}};
  int code = p.wait();
  if (code != 0)
    throw std::runtime_error("scripts/pg " + command + " failed with exit code "
                             + std::to_string(code) + " (PG_BASE=" + base_ + ")");
  auto out = p.output();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

void pg_cluster::start() {
  auto url = pg("start");
  if (url.rfind("postgresql://", 0) != 0)
    throw std::runtime_error("scripts/pg start printed '" + url + "', not a URL");
  if (!url_.empty() && url != url_)
    throw std::runtime_error("the private PostgreSQL came back at " + url + " instead of " + url_
                             + " (its port was taken meanwhile)");
  url_ = url;
  if (postmaster_pid() <= 0)
    throw std::runtime_error("no postmaster.pid under " + base_
                             + "/data (did scripts/pg use another folder?)");
}

void pg_cluster::stop() {
  thaw();
  pg("stop");
}

void pg_cluster::restart() {
  stop();
  start();
}

pid_t pg_cluster::postmaster_pid() const {
  std::ifstream in{base_ + "/data/postmaster.pid"};
  long pid = 0;
  if (!(in >> pid))
    return -1;
  return static_cast<pid_t>(pid);
}

void pg_cluster::freeze() {
  auto pm = postmaster_pid();
  if (pm <= 0)
    throw std::runtime_error("freeze: the private PostgreSQL is not running");
  // The postmaster first: once it is stopped it forks no new backend, so the
  // list of its children is final.
  ::kill(pm, SIGSTOP);
  frozen_.push_back(pm);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!is_stopped(pm)) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("freeze: the postmaster did not stop");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (pid_t child : descendants(pm)) {
    ::kill(child, SIGSTOP);
    frozen_.push_back(child);
  }
  for (pid_t pid : frozen_)
    while (!is_stopped(pid)) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("freeze: process " + std::to_string(pid) + " did not stop");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void pg_cluster::thaw() {
  std::set<pid_t> all{frozen_.begin(), frozen_.end()};
  if (auto pm = postmaster_pid(); pm > 0) {
    all.insert(pm);
    for (pid_t child : descendants(pm))
      all.insert(child);
  }
  // Children first, so the postmaster finds its backends running again.
  for (pid_t pid : all)
    if (pid != postmaster_pid())
      ::kill(pid, SIGCONT);
  if (auto pm = postmaster_pid(); pm > 0)
    ::kill(pm, SIGCONT);
  frozen_.clear();
}

std::string pg_cluster::fresh_schema_url() {
  static int counter = 0;
  std::string schema = "liner_fault_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  pqxx::connection admin{url_};
  pqxx::nontransaction w{admin};
  w.exec("CREATE SCHEMA " + schema);
  return url_with_schema(url_, schema);
}

pg_cluster& shared_pg_cluster(const std::string& pg_script) {
  // Destroyed when the program ends normally (a failed assertion included).
  static std::unique_ptr<pg_cluster> cluster;
  if (!cluster)
    cluster = std::make_unique<pg_cluster>(pg_script);
  cluster->thaw(); // a test that failed while it was frozen
  cluster->start();
  return *cluster;
}

} // namespace liner::test
