#include "support/peer_process.hpp"

#include "support/child_process.hpp"

#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace liner::test {

namespace {

// The test's environment with `extra` added ("NAME=VALUE"; a name given
// there replaces the inherited variable).
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (auto& x : extra)
      replaced |= name_of(x) == name_of(entry);
    if (!replaced)
      out.push_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

} // namespace

peer_process::peer_process(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env) {
  // A child that died must not kill the test with SIGPIPE when we write to it.
  std::signal(SIGPIPE, SIG_IGN);
  // O_CLOEXEC: other children must not inherit our pipe ends, or this
  // child would never see the end of its stdin.
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO); // dup2 clears O_CLOEXEC
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto env_entries = merged_environment(env);
  std::vector<char*> envp;
  for (auto& e : env_entries)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0]);
  }
  in_fd_ = in[1];
  out_fd_ = out[0];
}

peer_process::~peer_process() {
  close_stdin();
  if (out_fd_ >= 0)
    close(out_fd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

bool peer_process::send_line(const std::string& line) {
  if (in_fd_ < 0)
    return false;
  std::string data = line + "\n";
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = write(in_fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void peer_process::close_stdin() {
  if (in_fd_ >= 0)
    close(in_fd_);
  in_fd_ = -1;
}

std::optional<std::string> peer_process::next_line(clock::time_point deadline) {
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      lines_.push_back(line);
      return line;
    }
    if (out_fd_ < 0)
      return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd fd{out_fd_, POLLIN, 0};
    int ready = poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      continue; // re-checks the deadline
    char buf[8192];
    auto n = read(out_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      close(out_fd_);
      out_fd_ = -1;
      continue; // hands out complete lines still buffered, then reports EOF
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<std::string>
peer_process::wait_for_line(const std::function<bool(const std::string&)>& pred,
                            std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (auto line = next_line(deadline))
    if (pred(*line))
      return line;
  return std::nullopt;
}

std::optional<std::string> peer_process::wait_for_prefix(const std::string& prefix,
                                                         std::chrono::milliseconds timeout) {
  return wait_for_line([&](const std::string& l) { return l.rfind(prefix, 0) == 0; }, timeout);
}

void peer_process::kill(int signal) {
  if (pid_ > 0)
    ::kill(pid_, signal);
}

std::optional<int> peer_process::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (next_line(deadline)) {
  }
  if (!eof() || pid_ <= 0)
    return std::nullopt;
  // The output ended, so the process has exited or is about to: reaping it
  // needs no deadline of its own.
  int code = reap(pid_);
  pid_ = -1;
  return code;
}

void small_asan_quarantine_in_children() {
  if (const char* asan = std::getenv("ASAN_OPTIONS"))
    ::setenv("ASAN_OPTIONS", (std::string(asan) + ":quarantine_size_mb=8").c_str(), 1);
}

} // namespace liner::test
