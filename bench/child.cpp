// --child mode: one measurement in this fresh process. The result goes to
// fd 3 as one JSON line before the clients are deleted; a second line says
// the teardown finished (so a hang or crash there is told apart).
#include "catalog.hpp"
#include "child.hpp"
#include "driver.hpp"
#include "workload.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace bench {

namespace {

void write_line(const std::string& text) {
  std::string line = text + "\n";
  int fd = 3;
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EBADF && fd == 3) { // run by hand, without the pipe
      fd = STDOUT_FILENO;
      continue;
    }
    if (n <= 0)
      return;
    done += static_cast<std::size_t>(n);
  }
}

} // namespace

int child_main(const std::string& spec_text) {
  run_result r;
  std::unique_ptr<library> lib;
  std::unique_ptr<session> s;
  try {
    run_spec spec = run_spec_from_json(nlohmann::json::parse(spec_text));
    const workload_info* w = find_workload(spec.workload);
    if (!w)
      throw std::runtime_error("unknown workload " + spec.workload);
    if (spec.who.kind == "zmq") {
      if (!w->zmq)
        throw unsupported("no ZeroMQ equivalent");
      r = w->zmq(spec);
    } else {
      lib = spec.who.kind == "cpp" ? make_cpp_library() : open_capi_library(spec.who.lib);
      s = std::make_unique<session>(*lib, spec);
      r = w->liner(*s);
      r.library = lib->version();
    }
  } catch (const unsupported& e) {
    r = {};
    r.status = "unsupported";
    r.error = e.what();
  } catch (const std::exception& e) {
    r = {};
    r.status = "error";
    r.error = e.what();
  }
  write_line(to_json(r).dump());
  auto t0 = std::chrono::steady_clock::now();
  s.reset();
  double teardown = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_line(nlohmann::json{{"teardown_s", teardown}}.dump());
  return 0;
}

} // namespace bench
