// liner-attacker: a hostile peer for a liner listener, on plain POSIX
// sockets. It speaks liner's wire frame (runtime/frame_codec.hpp) where that
// serves the attack and ignores it where that is the attack. The hostile-peer
// tests (tests/hostile_peer_test.cpp) start it next to real liner-peer
// processes; people can point it at any listener by hand.
//
//   liner-attacker bomb ADDR --ck K --topic-key T [--number N] [--flags F]
//                  [--declared-size yes|no] [--inflate BYTES] [--wait-ms MS]
//       One frame whose zstd payload is small but inflates to BYTES of zeros
//       (default 1 GiB). --declared-size yes (default) records the content
//       size in the zstd frame header; no writes a streamed frame without it,
//       as Rust liner's stream encoder does. Flags default to 0x03
//       (compressed, at-least-once; the compressed bit is always set). The
//       input is never materialised: a zero buffer is fed repeatedly through
//       the streaming compressor. Then waits up to MS (default 20000) for the
//       listener to close the connection.
//
//   liner-attacker slow-frame ADDR [--connections N] [--frame-size BYTES]
//                  [--chunk BYTES] [--interval-ms MS] [--ck K] [--topic-key T]
//                  [--stall-ms MS] [--hold-ms MS] [--complete]
//       N connections (default 4), each sending a frame header that announces
//       a body of BYTES (default 256 MiB), then the body in chunks of BYTES
//       (default 64 KiB) every MS (default 1). Without --complete the last
//       body byte is never sent: the frame stays partial and the connection
//       is held. A connection that could not send for --stall-ms (default
//       5000) counts as stalled. Once every connection is closed, held or
//       stalled it prints "settled", then holds them until stdin closes or
//       --hold-ms passes.
//
//   liner-attacker idle ADDR --connections N [--reconnect] [--reconnect-ms MS]
//                  [--hold-ms MS]
//       Opens N connections (as many as it can; non-blocking connects) and
//       sends nothing. With --reconnect it reopens the ones that were closed
//       or failed, every MS (default 100): an attacker that never leaves.
//       Runs until stdin closes or --hold-ms passes.
//
//   liner-attacker frames ADDR --ck K --topic-key T --number N [--count C]
//                  [--flags F] [--payload TEXT | --event-json JSON] [--wait-ms MS]
//       C (default 1) well-formed frames numbered N, N+1, ... on one
//       connection, each carrying TEXT (default "forged") or JSON (an
//       internal-channel event, sent as is). Flags default to 0x02
//       (at-least-once); with 0x01 the payload is zstd-compressed. Then waits
//       up to MS (default 5000) for the listener to close the connection.
//
//   liner-attacker garbage ADDR [--ck K] [--topic-key T] [--wait-ms MS]
//       Three cases, each on its own connection, each waiting up to MS
//       (default 5000) for the close: "zero-length" (frame_len 0),
//       "too-long" (frame_len = liner's default max_message_size + 1) and
//       "bad-zstd" (a well-formed frame, flags 0x03, whose data is not zstd;
//       connection key K, default 424242, topic key T, default 1, number 1).
//
// Numbers may be decimal or 0x-hex. Standard output, one line each, flushed:
//   compressed BYTES              bomb: size of the zstd payload
//   connected [I]                 a connection is up (I: its index or case)
//   sent [I] BYTES                everything of that connection was written
//   closed-by-peer [I] after BYTES   the listener closed that connection (read
//                                 returned 0, or ECONNRESET/EPIPE) after we wrote BYTES
//   open [I] after MS             the wait ended with the connection still open
//   held I BYTES                  slow-frame: the body is complete but one byte
//   stalled I after BYTES         slow-frame: nothing could be written for --stall-ms
//   settled open=X closed=Y       slow-frame: every connection is closed, held or stalled
//   connected N failed F pending P   idle: after the first round of connects
//   closed-by-peer total Z open O reopened R   idle: when the count of closes changed
//                                 (at most every 200 ms)
//   error WHAT                    a fatal failure (exit 1)
//   done                          the end (exit 0)
// Exit codes: 0 done, 1 failure, 2 bad command line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/frame_codec.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

void say(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

[[noreturn]] void fatal(const std::string& what) {
  say("error " + what);
  std::exit(1);
}

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "liner-attacker: " << problem << "\n"
            << "usage: liner-attacker bomb|slow-frame|idle|frames|garbage ADDR [options]\n"
            << "       (the options are listed at the top of tests/attacker.cpp)\n";
  std::exit(2);
}

// -- command line -------------------------------------------------------------

struct options {
  std::string command, addr;
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;

  bool has(const std::string& k) const { return values.count(k) != 0; }
  std::string text(const std::string& k, const std::string& def) const {
    auto it = values.find(k);
    return it == values.end() ? def : it->second;
  }
  uint64_t number(const std::string& k, uint64_t def) const {
    auto it = values.find(k);
    if (it == values.end())
      return def;
    try {
      std::size_t used = 0;
      auto v = std::stoull(it->second, &used, 0);
      if (used != it->second.size())
        throw std::invalid_argument("trailing characters");
      return v;
    } catch (const std::exception&) {
      usage("--" + k + " needs a number, got " + it->second);
    }
  }
  uint64_t required(const std::string& k) const {
    if (!has(k))
      usage(command + " needs --" + k);
    return number(k, 0);
  }
  bool flag(const std::string& k) const { return flags.count(k) != 0; }
};

options parse(int argc, char** argv) {
  if (argc < 3)
    usage("a command and an address are required");
  options o;
  o.command = argv[1];
  o.addr = argv[2];
  static const char* switches[] = {"reconnect", "complete"};
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0)
      usage("unexpected argument " + arg);
    auto key = arg.substr(2);
    bool is_switch = false;
    for (auto* s : switches)
      is_switch |= key == s;
    if (is_switch) {
      o.flags[key] = true;
      continue;
    }
    if (i + 1 >= argc)
      usage(arg + " needs a value");
    o.values[key] = argv[++i];
  }
  return o;
}

// -- sockets ------------------------------------------------------------------------

sockaddr_in parse_ipv4(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos)
    usage("not host:port: " + addr);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(colon + 1))));
  if (inet_pton(AF_INET, addr.substr(0, colon).c_str(), &sa.sin_addr) != 1)
    usage("not an IPv4 address: " + addr);
  return sa;
}

/// A blocking connection; exits with "error" if it cannot be made.
int connect_blocking(const std::string& addr) {
  auto sa = parse_ipv4(addr);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    fatal(std::string("socket: ") + std::strerror(errno));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
    fatal("connect " + addr + ": " + std::strerror(errno));
  return fd;
}

bool peer_gone(int err) {
  return err == EPIPE || err == ECONNRESET || err == ECONNABORTED || err == ENOTCONN;
}

/// Writes everything (blocking); false if the listener closed meanwhile.
bool write_all(int fd, const char* p, std::size_t n, std::size_t& written) {
  while (n > 0) {
    auto k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0 && peer_gone(errno))
      return false;
    if (k < 0)
      fatal(std::string("send: ") + std::strerror(errno));
    p += k;
    n -= static_cast<std::size_t>(k);
    written += static_cast<std::size_t>(k);
  }
  return true;
}

/// Waits up to `ms` for the listener to close `fd` (whatever it sends is
/// read and ignored). True if it did.
bool wait_closed(int fd, uint64_t ms) {
  auto deadline = clock_type::now() + std::chrono::milliseconds(ms);
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      continue;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0)
      return true;
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && peer_gone(errno))
      return true;
    if (n < 0)
      fatal(std::string("recv: ") + std::strerror(errno));
  }
}

/// The common end of a one-connection attack: reports whether the listener
/// closed the connection (at once, or within `wait_ms`).
void report_close(int fd, bool closed, std::size_t written, uint64_t wait_ms,
                  const std::string& label = "") {
  auto tag = label.empty() ? std::string{} : label + " ";
  if (closed || wait_closed(fd, wait_ms))
    say("closed-by-peer " + tag + "after " + std::to_string(written));
  else
    say("open " + tag + "after " + std::to_string(wait_ms));
  close(fd);
}

// -- frames ----------------------------------------------------------------------

std::string frame_bytes(uint64_t number, int32_t ck, int32_t tk, uint8_t flags, const char* data,
                        std::size_t size) {
  liner::byte_buffer out;
  liner::encode_frame(out, {number, ck, tk, flags}, data, size);
  return std::string(out.begin(), out.end());
}

std::string zstd_of(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  auto n = ZSTD_compress(out.data(), out.size(), s.data(), s.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n))
    fatal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

/// zstd of `inflate` zero bytes, fed through the streaming compressor from
/// one 1 MiB buffer; the content size is recorded only if `declared`.
std::string zero_bomb(uint64_t inflate, bool declared) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx{ZSTD_createCCtx(), ZSTD_freeCCtx};
  if (!cctx)
    fatal("zstd: no context");
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 1);
  if (declared)
    ZSTD_CCtx_setPledgedSrcSize(cctx.get(), inflate);
  else
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 0);
  static std::vector<char> zeros(1 << 20, '\0');
  std::string out;
  std::vector<char> buf(ZSTD_CStreamOutSize());
  uint64_t fed = 0;
  for (;;) {
    auto take = static_cast<std::size_t>(std::min<uint64_t>(zeros.size(), inflate - fed));
    bool last = fed + take == inflate;
    ZSTD_inBuffer in{zeros.data(), take, 0};
    for (;;) {
      ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
      auto rest = ZSTD_compressStream2(cctx.get(), &ob, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rest))
        fatal(std::string("zstd: ") + ZSTD_getErrorName(rest));
      out.append(buf.data(), ob.pos);
      if (last ? rest == 0 : in.pos == in.size)
        break;
    }
    fed += take;
    if (last)
      return out;
  }
}

// -- bomb ----------------------------------------------------------------------------

int bomb(const options& o) {
  auto ck = static_cast<int32_t>(o.required("ck"));
  auto tk = static_cast<int32_t>(o.required("topic-key"));
  auto declared = o.text("declared-size", "yes");
  if (declared != "yes" && declared != "no")
    usage("--declared-size is yes or no");
  auto inflate = o.number("inflate", 1ull << 30);
  auto flags = static_cast<uint8_t>(o.number("flags", 0x03) | liner::frame_flags::compressed);
  auto payload = zero_bomb(inflate, declared == "yes");
  say("compressed " + std::to_string(payload.size()));
  auto frame = frame_bytes(o.number("number", 1), ck, tk, flags, payload.data(), payload.size());
  int fd = connect_blocking(o.addr);
  say("connected");
  std::size_t written = 0;
  bool ok = write_all(fd, frame.data(), frame.size(), written);
  if (ok)
    say("sent " + std::to_string(written));
  report_close(fd, !ok, written, o.number("wait-ms", 20000));
  say("done");
  return 0;
}

// -- frames ----------------------------------------------------------------------------

int frames(const options& o) {
  auto ck = static_cast<int32_t>(o.required("ck"));
  auto tk = static_cast<int32_t>(o.required("topic-key"));
  auto first = o.required("number");
  auto count = o.number("count", 1);
  auto flags = static_cast<uint8_t>(o.number("flags", liner::frame_flags::at_least_once));
  if (o.has("payload") && o.has("event-json"))
    usage("give --payload or --event-json, not both");
  auto data = o.has("event-json") ? o.text("event-json", "") : o.text("payload", "forged");
  if (flags & liner::frame_flags::compressed)
    data = zstd_of(data);
  std::string bytes;
  for (uint64_t i = 0; i < count; ++i)
    bytes += frame_bytes(first + i, ck, tk, flags, data.data(), data.size());
  int fd = connect_blocking(o.addr);
  say("connected");
  std::size_t written = 0;
  bool ok = write_all(fd, bytes.data(), bytes.size(), written);
  if (ok)
    say("sent " + std::to_string(written));
  report_close(fd, !ok, written, o.number("wait-ms", 5000));
  say("done");
  return 0;
}

// -- garbage ---------------------------------------------------------------------------

int garbage(const options& o) {
  using namespace std::string_literals;
  auto wait_ms = o.number("wait-ms", 5000);
  auto ck = static_cast<int32_t>(o.number("ck", 424242));
  auto tk = static_cast<int32_t>(o.number("topic-key", 1));
  std::string too_long(4, '\0');
  liner::big_endian::write_u32(too_long.data(),
                               static_cast<uint32_t>(liner::knobs::default_max_message_size + 1));
  too_long += std::string(64, '\x01');
  const std::string not_zstd = "this is not a zstd frame, only text pretending to be one";
  struct {
    const char* name;
    std::string bytes;
  } cases[] = {
    {"zero-length", "\0\0\0\0"s + std::string(30, '\x01')},
    {"too-long", too_long},
    {"bad-zstd", frame_bytes(1, ck, tk, liner::frame_flags::compressed | liner::frame_flags::at_least_once,
                             not_zstd.data(), not_zstd.size())},
  };
  for (auto& c : cases) {
    int fd = connect_blocking(o.addr);
    say("connected "s + c.name);
    std::size_t written = 0;
    bool ok = write_all(fd, c.bytes.data(), c.bytes.size(), written);
    if (ok)
      say("sent "s + c.name + " " + std::to_string(written));
    report_close(fd, !ok, written, wait_ms, c.name);
  }
  say("done");
  return 0;
}

// -- holding connections: stdin or a deadline ends it -------------------------------------

/// True once stdin reached its end (polled without blocking).
bool stdin_closed() {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0)
    return false;
  if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
    return true;
  char buf[256];
  auto n = read(STDIN_FILENO, buf, sizeof buf);
  return n == 0;
}

/// When --hold-ms runs out (never without it).
clock_type::time_point hold_until(const options& o) {
  if (!o.has("hold-ms"))
    return clock_type::time_point::max();
  return clock_type::now() + std::chrono::milliseconds(o.number("hold-ms", 0));
}

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

int nonblocking_socket() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    fatal(std::string("socket: ") + std::strerror(errno));
  return fd;
}

// -- slow-frame ------------------------------------------------------------------------

int slow_frame(const options& o) {
  raise_fd_limit();
  auto n = o.number("connections", 4);
  auto frame_size = o.number("frame-size", 256ull << 20);
  auto chunk = o.number("chunk", 64 << 10);
  auto interval = std::chrono::milliseconds(o.number("interval-ms", 1));
  auto stall = std::chrono::milliseconds(o.number("stall-ms", 5000));
  auto ck = static_cast<int32_t>(o.number("ck", 535353));
  auto tk = static_cast<int32_t>(o.number("topic-key", 1));
  bool complete = o.flag("complete");
  if (frame_size < liner::frame_min_body || frame_size > 0xffffffffull)
    usage("--frame-size must be between 21 and 2^32-1");
  if (chunk == 0)
    usage("--chunk must be positive");
  auto hold_deadline = hold_until(o);

  // The head announces the whole body; the body is zeros.
  std::string head(liner::frame_prefix_size + liner::frame_min_body, '\0');
  liner::big_endian::write_u32(head.data(), static_cast<uint32_t>(frame_size));
  liner::big_endian::write_u64(head.data() + 4, 1);
  liner::big_endian::write_u32(head.data() + 12, static_cast<uint32_t>(ck));
  liner::big_endian::write_u32(head.data() + 16, static_cast<uint32_t>(tk));
  head[20] = 0;
  liner::big_endian::write_u32(head.data() + 21,
                               static_cast<uint32_t>(frame_size - liner::frame_min_body));
  const uint64_t total = liner::frame_prefix_size + frame_size - (complete ? 0 : 1);
  std::vector<char> zeros(static_cast<std::size_t>(chunk), '\0');

  enum class state { sending, held, stalled, closed };
  struct conn {
    int fd = -1;
    uint64_t written = 0;
    state st = state::sending;
    clock_type::time_point progress;
  };
  std::vector<conn> conns(n);
  for (uint64_t i = 0; i < n; ++i) {
    conns[i].fd = connect_blocking(o.addr);
    int flags = fcntl(conns[i].fd, F_GETFL);
    fcntl(conns[i].fd, F_SETFL, flags | O_NONBLOCK);
    conns[i].progress = clock_type::now();
    say("connected " + std::to_string(i));
  }
  auto mark_closed = [&](uint64_t i) {
    auto& c = conns[i];
    say("closed-by-peer " + std::to_string(i) + " after " + std::to_string(c.written));
    close(c.fd);
    c.fd = -1;
    c.st = state::closed;
  };
  bool settled = false;
  for (;;) {
    auto now = clock_type::now();
    std::size_t open = 0, closed = 0, unsettled = 0;
    for (uint64_t i = 0; i < n; ++i) {
      auto& c = conns[i];
      if (c.st == state::closed) {
        ++closed;
        continue;
      }
      // Did the listener close it? (Reads whatever it sent.)
      char buf[4096];
      auto r = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (r == 0 || (r < 0 && peer_gone(errno))) {
        mark_closed(i);
        ++closed;
        continue;
      }
      ++open;
      if (c.st == state::sending) {
        uint64_t budget = chunk;
        while (budget > 0 && c.written < total) {
          const char* p;
          std::size_t len;
          if (c.written < head.size()) {
            p = head.data() + c.written;
            len = head.size() - static_cast<std::size_t>(c.written);
          } else {
            p = zeros.data();
            len = static_cast<std::size_t>(std::min<uint64_t>(zeros.size(), total - c.written));
          }
          len = static_cast<std::size_t>(std::min<uint64_t>(len, budget));
          auto k = ::send(c.fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (k < 0 && errno == EINTR)
            continue;
          if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
          if (k < 0 && peer_gone(errno))
            break; // reported by the next recv
          if (k < 0)
            fatal(std::string("send: ") + std::strerror(errno));
          c.written += static_cast<uint64_t>(k);
          budget -= static_cast<uint64_t>(k);
          c.progress = now;
        }
        if (c.written >= total) {
          c.st = state::held;
          say("held " + std::to_string(i) + " " + std::to_string(c.written));
        } else if (now - c.progress >= stall) {
          c.st = state::stalled;
          say("stalled " + std::to_string(i) + " after " + std::to_string(c.written));
        } else {
          ++unsettled;
        }
      }
    }
    if (!settled && unsettled == 0) {
      settled = true;
      say("settled open=" + std::to_string(open) + " closed=" + std::to_string(closed));
    }
    if (settled && (stdin_closed() || now >= hold_deadline || open == 0))
      break;
    std::this_thread::sleep_for(interval); // the attack's pace
  }
  for (auto& c : conns)
    if (c.fd >= 0)
      close(c.fd);
  say("done");
  return 0;
}

// -- idle ---------------------------------------------------------------------------------

int idle(const options& o) {
  raise_fd_limit();
  auto n = o.required("connections");
  bool reconnect = o.flag("reconnect");
  auto reconnect_every = std::chrono::milliseconds(o.number("reconnect-ms", 100));
  auto sa = parse_ipv4(o.addr);
  auto hold_deadline = hold_until(o);

  enum class state { none, connecting, open };
  struct slot {
    int fd = -1;
    state st = state::none;
  };
  std::vector<slot> slots(n);
  uint64_t closed_by_peer = 0, failed = 0, reopened = 0, reported_closes = 0;
  bool initial_reported = false;
  auto start = clock_type::now();
  auto last_reopen = start, last_report = start;

  auto open_slot = [&](slot& s) {
    s.fd = nonblocking_socket();
    if (connect(s.fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0) {
      s.st = state::open;
    } else if (errno == EINPROGRESS) {
      s.st = state::connecting;
    } else {
      ++failed;
      close(s.fd);
      s.fd = -1;
      s.st = state::none;
    }
  };
  auto counts = [&](state which) {
    uint64_t k = 0;
    for (auto& s : slots)
      k += s.st == which;
    return k;
  };
  for (auto& s : slots)
    open_slot(s);

  std::vector<pollfd> fds;
  std::vector<std::size_t> index;
  for (;;) {
    auto now = clock_type::now();
    if (!initial_reported && (counts(state::connecting) == 0 || now - start >= 2s)) {
      initial_reported = true;
      say("connected " + std::to_string(counts(state::open)) + " failed " + std::to_string(failed)
          + " pending " + std::to_string(counts(state::connecting)));
    }
    if (closed_by_peer != reported_closes && now - last_report >= 200ms) {
      reported_closes = closed_by_peer;
      last_report = now;
      say("closed-by-peer total " + std::to_string(closed_by_peer) + " open "
          + std::to_string(counts(state::open)) + " reopened " + std::to_string(reopened));
    }
    if (stdin_closed() || now >= hold_deadline)
      break;
    if (reconnect && now - last_reopen >= reconnect_every) {
      last_reopen = now;
      for (auto& s : slots)
        if (s.st == state::none) {
          open_slot(s);
          ++reopened;
        }
    }

    fds.clear();
    index.clear();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      auto& s = slots[i];
      if (s.st == state::none)
        continue;
      fds.push_back({s.fd, static_cast<short>(s.st == state::connecting ? POLLOUT : POLLIN), 0});
      index.push_back(i);
    }
    int r = poll(fds.data(), fds.size(), 50);
    if (r < 0 && errno != EINTR)
      fatal(std::string("poll: ") + std::strerror(errno));
    for (std::size_t k = 0; r > 0 && k < fds.size(); ++k) {
      if (fds[k].revents == 0)
        continue;
      auto& s = slots[index[k]];
      if (s.st == state::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) {
          s.st = state::open;
          continue;
        }
        ++failed;
      } else {
        char buf[4096];
        auto got = ::recv(s.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR)))
          continue;
        ++closed_by_peer;
      }
      close(s.fd);
      s.fd = -1;
      s.st = state::none;
    }
  }
  if (!initial_reported)
    say("connected " + std::to_string(counts(state::open)) + " failed " + std::to_string(failed)
        + " pending " + std::to_string(counts(state::connecting)));
  if (closed_by_peer != reported_closes)
    say("closed-by-peer total " + std::to_string(closed_by_peer) + " open "
        + std::to_string(counts(state::open)) + " reopened " + std::to_string(reopened));
  for (auto& s : slots)
    if (s.fd >= 0)
      close(s.fd);
  say("done");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto o = parse(argc, argv);
  if (o.command == "bomb")
    return bomb(o);
  if (o.command == "slow-frame")
    return slow_frame(o);
  if (o.command == "idle")
    return idle(o);
  if (o.command == "frames")
    return frames(o);
  if (o.command == "garbage")
    return garbage(o);
  usage("unknown command " + o.command);
}
