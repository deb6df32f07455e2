#include "child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bench {

namespace {

struct fd_guard {
  int fd = -1;
  ~fd_guard() { reset(); }
  void reset() {
    if (fd >= 0)
      close(fd);
    fd = -1;
  }
};

[[noreturn]] void sys_fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

pid_t spawn(const std::string& program, const std::vector<std::string>& argv, int result_fd,
            const std::string& log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 2, 1);
  posix_spawn_file_actions_adddup2(&fa, result_fd, 3); // dup2 clears close-on-exec
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    errno = rc;
    sys_fail("posix_spawn " + program);
  }
  return pid;
}

} // namespace

child_outcome run_child_process(const std::string& program, const std::vector<std::string>& argv,
                                const std::string& log_path, double timeout_s) {
  using sclock = std::chrono::steady_clock;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0)
    sys_fail("pipe2");
  fd_guard rd{p[0]}, wr{p[1]};
  auto start = sclock::now();
  pid_t pid = spawn(program, argv, wr.fd, log_path);
  wr.reset(); // only the child writes now: EOF when it is gone
  // A pidfd turns "the child exited" into something poll() waits for.
  fd_guard pidfd{static_cast<int>(syscall(SYS_pidfd_open, pid, 0))};
  if (pidfd.fd < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    sys_fail("pidfd_open");
  }

  child_outcome out;
  std::string buf;
  auto deadline = start + std::chrono::duration_cast<sclock::duration>(std::chrono::duration<double>(timeout_s));
  bool exited = false;
  while (!exited) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - sclock::now()).count();
    if (left <= 0) {
      out.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd fds[2] = {{rd.fd, POLLIN, 0}, {pidfd.fd, POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR)
      sys_fail("poll");
    if (rd.fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP))) {
      char chunk[4096];
      ssize_t got = read(rd.fd, chunk, sizeof chunk);
      if (got > 0)
        buf.append(chunk, static_cast<std::size_t>(got));
      else if (got == 0)
        rd.reset(); // poll ignores a negative fd from now on
    }
    if (fds[1].revents & POLLIN)
      exited = true;
  }
  // Whatever is still in the pipe (the child is gone or killed).
  if (rd.fd >= 0) {
    fcntl(rd.fd, F_SETFL, O_NONBLOCK);
    char chunk[4096];
    ssize_t got;
    while ((got = read(rd.fd, chunk, sizeof chunk)) > 0)
      buf.append(chunk, static_cast<std::size_t>(got));
  }
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  out.wall_s = std::chrono::duration<double>(sclock::now() - start).count();
  if (WIFEXITED(status))
    out.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    out.signal = WTERMSIG(status);
  out.max_rss_kib = ru.ru_maxrss;
  out.cpu_user_s = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6;
  out.cpu_sys_s = static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6;

  std::size_t pos = 0, nl;
  while ((nl = buf.find('\n', pos)) != std::string::npos) {
    out.lines.push_back(buf.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::string tail_of(const std::string& path, int n) {
  std::ifstream in{path};
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    if (line.size() > 300)
      line = line.substr(0, 300) + "...";
    last.push_back(line);
    if (static_cast<int>(last.size()) > n)
      last.pop_front();
  }
  std::string s;
  for (auto& l : last)
    s += (s.empty() ? "" : "\n") + l;
  return s;
}

} // namespace bench
