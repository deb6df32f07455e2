// liner-peer: one liner::Client in a process, driven by its command line and,
// line by line, by its standard input. Multi-process tests start it; people
// can use it to poke at a mesh by hand.
//
//   liner-peer --name NAME --topic TOPIC (--sqlite PATH | --postgres URL | --redis URL)
//              [--bind ADDR]            listen address (default 127.0.0.1:0)
//              [--advertise ADDR]       address to publish instead of the bound one
//              [--subscribe TOPIC]...   subscribed right after run
//              [--send-to TOPIC]        send --count messages there after run
//              [--count K]              default 1
//              [--payload-prefix P]     payload i is P + i (default "msg-") ...
//              [--size S]               ... padded with '.' to S bytes
//              [--interval-ms MS]       pause between those messages
//              [--send-all]             send with send_all instead of send_to
//              [--keep-going]           a rejected --send-to message is reported, not fatal
//              [--alo | --best-effort]  delivery mode (default --alo)
//              [--durable]              liner::Client::set_durable(true) before run
//              [--kill-after-send]      SIGKILL itself right after the --send-to messages
//                                       were accepted (and "sent K" printed)
//              [--echo]                 send every message back to its sender's topic
//              [--expect K]             exit 0 once K messages arrived
//              [--stay]                 keep running after --send-to / --expect are done
//              [--exit-after-ms MS]     give up after MS (exit 1 if --expect is unmet)
//              [--status]               print status events
//              [--recv-delay-us US]     sleep US microseconds in each receive callback
//                                       (a slow consumer)
//              [--max-send-queue N]     liner::Client::set_max_send_queue(N) before run
//              [--max-message-size N]   liner::Client::set_max_message_size(N) before run
//              [--rlimit-nofile N]      setrlimit(RLIMIT_NOFILE): soft limit N, at start
//
// Standard output, one line each, flushed at once:
//   ready ADDR                          run succeeded, listening on ADDR
//   recv to=TO from=FROM data=PAYLOAD   one per message (see escape() for PAYLOAD)
//   sent K                              the --send-to messages were all accepted
//                                       (with --keep-going: K were accepted)
//   rejected I CODE MESSAGE             with --keep-going: --send-to message I was refused
//   status KIND topic=T peer=P message=M   with --status
//   ok [VALUE] | err CODE MESSAGE       the answer to each stdin command
//   error WHAT                          a fatal failure (exit 1), or a failed echo
//
// Standard input commands, one per line:
//   send TOPIC PAYLOAD [alo|be]    send-all TOPIC PAYLOAD [alo|be]
//   send-many TOPIC PREFIX COUNT [alo|be [SIZE]]   send_to PREFIX0 .. PREFIX<COUNT-1>
//                                  (padded with '.' to SIZE bytes); stops at the first
//                                  refusal: "ok COUNT" or "err CODE at I: MESSAGE"
//   subscribe TOPIC    unsubscribe TOPIC    refresh TOPIC
//   stop    run (prints "ready ADDR" before "ok")    pending (ok COUNT)    quit
//   hwm                            ok KB: this process's peak resident size (VmHWM
//                                  in /proc/self/status, in kB)
//
// When it ends: on "quit", SIGINT or SIGTERM; once --expect K messages arrived;
// right after sending when it only sends; otherwise at the end of stdin. With
// --stay, --expect and --send-to do not end it. Exit codes: 0 done, 1 failure,
// 2 bad command line.
#include <liner/client.hpp>

#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct options {
  std::string name, topic, sqlite, postgres, redis, bind = "127.0.0.1:0", advertise;
  std::vector<std::string> subscribe;
  std::optional<std::string> send_to;
  long count = 1, size = 0, interval_ms = 0;
  std::string prefix = "msg-";
  bool send_all = false, alo = true, echo = false, stay = false, status = false,
       keep_going = false, durable = false, kill_after_send = false;
  std::optional<long> expect, exit_after_ms, max_send_queue, max_message_size, rlimit_nofile;
  long recv_delay_us = 0;
};

// -- output -----------------------------------------------------------------

std::mutex out_mtx;

void say(const std::string& line) {
  std::lock_guard<std::mutex> lock{out_mtx};
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

/// Printable ASCII as is, '\\' doubled, other bytes as \xNN; long payloads
/// are cut after 64 bytes with their size appended, so a line stays a line.
std::string escape(const char* data, std::size_t size) {
  std::string out;
  std::size_t shown = size > 200 ? 64 : size;
  for (std::size_t i = 0; i < shown; ++i) {
    auto c = static_cast<unsigned char>(data[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (shown < size)
    out += "...(" + std::to_string(size) + " bytes)";
  return out;
}

/// VmHWM of /proc/self/status in kB, or -1 if it cannot be read.
long peak_rss_kb() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

std::string describe_error(const liner::Client& c) {
  return std::to_string(static_cast<int>(c.last_error())) + " " + c.last_error_message();
}

// -- command line -------------------------------------------------------------

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "liner-peer: " << problem << "\n"
            << "usage: liner-peer --name N --topic T (--sqlite PATH | --postgres URL | --redis URL) [options]\n"
            << "       (the options are listed at the top of tests/peer.cpp)\n";
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(arg + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> long {
      auto v = value();
      try {
        return std::stol(v);
      } catch (const std::exception&) {
        usage(arg + " needs a number, got " + v);
      }
    };
    if (arg == "--name") o.name = value();
    else if (arg == "--topic") o.topic = value();
    else if (arg == "--sqlite") o.sqlite = value();
    else if (arg == "--postgres") o.postgres = value();
    else if (arg == "--redis") o.redis = value();
    else if (arg == "--bind") o.bind = value();
    else if (arg == "--advertise") o.advertise = value();
    else if (arg == "--subscribe") o.subscribe.push_back(value());
    else if (arg == "--send-to") o.send_to = value();
    else if (arg == "--count") o.count = number();
    else if (arg == "--size") o.size = number();
    else if (arg == "--payload-prefix") o.prefix = value();
    else if (arg == "--interval-ms") o.interval_ms = number();
    else if (arg == "--send-all") o.send_all = true;
    else if (arg == "--keep-going") o.keep_going = true;
    else if (arg == "--alo") o.alo = true;
    else if (arg == "--best-effort") o.alo = false;
    else if (arg == "--durable") o.durable = true;
    else if (arg == "--kill-after-send") o.kill_after_send = true;
    else if (arg == "--echo") o.echo = true;
    else if (arg == "--expect") o.expect = number();
    else if (arg == "--stay") o.stay = true;
    else if (arg == "--exit-after-ms") o.exit_after_ms = number();
    else if (arg == "--status") o.status = true;
    else if (arg == "--recv-delay-us") o.recv_delay_us = number();
    else if (arg == "--max-send-queue") o.max_send_queue = number();
    else if (arg == "--max-message-size") o.max_message_size = number();
    else if (arg == "--rlimit-nofile") o.rlimit_nofile = number();
    else usage("unknown argument " + arg);
  }
  if (o.name.empty() || o.topic.empty())
    usage("--name and --topic are required");
  if (!o.sqlite.empty() + !o.postgres.empty() + !o.redis.empty() != 1)
    usage("give exactly one of --sqlite, --postgres and --redis");
  return o;
}

// -- state shared by the threads ----------------------------------------------------

std::mutex state_mtx;
std::condition_variable state_cv;
long received = 0;
bool quit = false, stdin_closed = false;

void set_flag(bool& flag) {
  {
    std::lock_guard<std::mutex> lock{state_mtx};
    flag = true;
  }
  state_cv.notify_all();
}

// Signals and the main thread wake the stdin reader through this pipe:
// 's' means "a signal asked us to quit", 'w' means "stop reading".
int wake_pipe[2] = {-1, -1};

void on_signal(int) {
  char c = 's';
  [[maybe_unused]] auto n = write(wake_pipe[1], &c, 1);
}

// A client's last error belongs to the client, not to a thread: a call made
// by the --send-to loop between a command's call and the reading of its
// error would answer for it. One call-and-read at a time (never taken in
// the receive callback: a "stop" command waits for that callback).
std::mutex call_mtx;

// -- stdin commands ----------------------------------------------------------------

class commands {
public:
  commands(liner::Client& client, liner::receive_callback on_receive)
    : client_(client), on_receive_(std::move(on_receive)) {}

  /// Runs one command line and prints its answer.
  void execute(const std::string& line) {
    std::lock_guard<std::mutex> one_call{call_mtx};
    std::istringstream in{line};
    std::string cmd, topic, payload, mode;
    in >> cmd;
    if (cmd.empty())
      return;
    if (cmd == "send" || cmd == "send-all") {
      in >> topic >> payload >> mode;
      if (payload.empty() || (!mode.empty() && mode != "alo" && mode != "be"))
        return say("err 8 usage: " + cmd + " TOPIC PAYLOAD [alo|be]");
      bool alo = mode != "be";
      bool ok = cmd == "send" ? client_.send_to(topic, payload.data(), payload.size(), alo)
                              : client_.send_all(topic, payload.data(), payload.size(), alo);
      return answer(ok);
    }
    if (cmd == "send-many") {
      std::string prefix;
      long count = -1;
      std::size_t size = 0;
      bool parsed = static_cast<bool>(in >> topic >> prefix >> count);
      in >> mode;
      if (!mode.empty() && !(in >> size))
        size = 0; // no SIZE: PREFIX and the number only
      if (!parsed || count < 0 || (!mode.empty() && mode != "alo" && mode != "be"))
        return say("err 8 usage: send-many TOPIC PREFIX COUNT [alo|be [SIZE]]");
      for (long i = 0; i < count; ++i) {
        auto data = prefix + std::to_string(i);
        if (data.size() < size)
          data.resize(size, '.'); // padding after the number
        if (!client_.send_to(topic, data.data(), data.size(), mode != "be"))
          return say("err " + std::to_string(static_cast<int>(client_.last_error())) + " at "
                     + std::to_string(i) + ": " + client_.last_error_message());
      }
      return say("ok " + std::to_string(count));
    }
    if (cmd == "subscribe" || cmd == "unsubscribe" || cmd == "refresh") {
      in >> topic;
      if (topic.empty())
        return say("err 8 usage: " + cmd + " TOPIC");
      if (cmd == "subscribe")
        return answer(client_.subscribe(topic));
      if (cmd == "unsubscribe")
        return answer(client_.unsubscribe(topic));
      return answer(client_.refresh_address_topic(topic));
    }
    if (cmd == "stop")
      return answer(client_.stop());
    if (cmd == "run") {
      bool ok = client_.run(on_receive_);
      if (ok)
        say("ready " + client_.bound_listen_addr().value_or(""));
      return answer(ok);
    }
    if (cmd == "pending") {
      auto n = client_.pending_count();
      return n < 0 ? answer(false) : say("ok " + std::to_string(n));
    }
    if (cmd == "hwm") {
      auto kb = peak_rss_kb();
      return kb < 0 ? say("err 8 cannot read VmHWM") : say("ok " + std::to_string(kb));
    }
    if (cmd == "quit") {
      say("ok");
      return set_flag(quit);
    }
    say("err 8 unknown command: " + cmd);
  }

  /// Reads stdin until a wake-up from main; a signal or "quit" sets `quit`.
  /// After the end of stdin it only waits for signals and the wake-up.
  void read_loop() {
    std::string pending;
    char buf[4096];
    bool open = true;
    for (;;) {
      pollfd fds[2] = {{wake_pipe[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
      if (poll(fds, open ? 2 : 1, -1) < 0)
        continue; // EINTR
      if (fds[0].revents & POLLIN) {
        char c = 0;
        if (read(wake_pipe[0], &c, 1) == 1 && c == 's') {
          set_flag(quit);
          continue; // main wakes us with 'w' when it is done
        }
        return;
      }
      auto n = read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        if (!pending.empty())
          execute(pending);
        open = false;
        set_flag(stdin_closed);
        continue;
      }
      pending.append(buf, static_cast<std::size_t>(n));
      for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
        execute(pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
    }
  }

private:
  void answer(bool ok) { say(ok ? std::string{"ok"} : "err " + describe_error(client_)); }

  liner::Client& client_;
  liner::receive_callback on_receive_;
};

} // namespace

int main(int argc, char** argv) {
  options opt = parse(argc, argv);
  if (pipe(wake_pipe) != 0) {
    say("error pipe failed");
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (opt.rlimit_nofile) {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = static_cast<rlim_t>(*opt.rlimit_nofile);
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < lim.rlim_cur)
      lim.rlim_max = lim.rlim_cur;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      say("error setrlimit RLIMIT_NOFILE " + std::to_string(*opt.rlimit_nofile));
      return 1;
    }
  }
  if (opt.max_send_queue)
    liner::Client::set_max_send_queue(static_cast<std::size_t>(*opt.max_send_queue));
  if (opt.max_message_size
      && !liner::Client::set_max_message_size(static_cast<std::size_t>(*opt.max_message_size))) {
    say("error --max-message-size " + std::to_string(*opt.max_message_size) + " refused");
    return 1;
  }

  std::string why;
  auto client =
    !opt.sqlite.empty()     ? liner::Client::create_sqlite(opt.name, opt.topic, opt.bind, opt.sqlite, "", &why)
    : !opt.postgres.empty() ? liner::Client::create_postgres(opt.name, opt.topic, opt.bind, opt.postgres, &why)
                            : liner::Client::create_redis(opt.name, opt.topic, opt.bind, opt.redis, &why);
  if (!client) {
    say("error create: " + why);
    return 1;
  }
  if (!opt.advertise.empty() && !client->set_advertise_addr(opt.advertise)) {
    say("error advertise: " + describe_error(*client));
    return 1;
  }
  if (opt.durable && !client->set_durable(true)) {
    say("error durable: " + describe_error(*client));
    return 1;
  }
  if (opt.status)
    client->set_status_callback([](liner::status_kind kind, std::string_view topic,
                                   std::string_view peer, std::string_view message) {
      say("status " + std::to_string(static_cast<int>(kind)) + " topic=" + std::string{topic}
          + " peer=" + std::string{peer} + " message=" + std::string{message});
    });

  liner::Client& c = *client;
  auto on_receive = [&c, &opt](std::string_view to, std::string_view from, const char* data,
                               std::size_t size) {
    if (opt.recv_delay_us > 0)
      std::this_thread::sleep_for(std::chrono::microseconds(opt.recv_delay_us));
    say("recv to=" + std::string{to} + " from=" + std::string{from} + " data=" + escape(data, size));
    if (opt.echo && !from.empty() && !c.send_to(std::string{from}, data, size, opt.alo))
      say("error echo: " + describe_error(c));
    {
      std::lock_guard<std::mutex> lock{state_mtx};
      ++received;
    }
    state_cv.notify_all();
  };
  if (!c.run(on_receive)) {
    say("error run: " + describe_error(c));
    return 1;
  }
  say("ready " + c.bound_listen_addr().value_or(""));
  for (auto& t : opt.subscribe)
    if (!c.subscribe(t)) {
      say("error subscribe " + t + ": " + describe_error(c));
      return 1;
    }

  commands cmds{c, on_receive};
  std::thread reader{[&] { cmds.read_loop(); }};
  auto finish = [&](int code) {
    char w = 'w';
    [[maybe_unused]] auto n = write(wake_pipe[1], &w, 1);
    reader.join();
    client.reset(); // stops: unacked at-least-once messages go to the store
    return code;
  };

  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(opt.exit_after_ms.value_or(0));
  if (opt.send_to) {
    long accepted = 0;
    for (long i = 0; i < opt.count; ++i) {
      std::string payload = opt.prefix + std::to_string(i);
      if (static_cast<long>(payload.size()) < opt.size)
        payload.resize(static_cast<std::size_t>(opt.size), '.');
      std::unique_lock<std::mutex> one_call{call_mtx};
      bool ok = opt.send_all ? c.send_all(*opt.send_to, payload.data(), payload.size(), opt.alo)
                             : c.send_to(*opt.send_to, payload.data(), payload.size(), opt.alo);
      if (ok) {
        ++accepted;
      } else if (opt.keep_going) {
        say("rejected " + std::to_string(i) + " " + describe_error(c));
      } else {
        say("error send " + std::to_string(i) + ": " + describe_error(c));
        one_call.unlock();
        return finish(1);
      }
      one_call.unlock();
      if (opt.interval_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(opt.interval_ms));
    }
    say("sent " + std::to_string(accepted));
    if (opt.kill_after_send)
      raise(SIGKILL); // nothing more: no stop, no flush, no save
  }

  std::unique_lock<std::mutex> lock{state_mtx};
  auto expecting = [&] { return opt.expect && received < *opt.expect; };
  auto done = [&] {
    if (quit)
      return true;
    if (!opt.stay && opt.expect)
      return !expecting();
    if (!opt.stay && opt.send_to)
      return true;
    return stdin_closed && !expecting();
  };
  if (opt.exit_after_ms)
    state_cv.wait_until(lock, deadline, done);
  else
    state_cv.wait(lock, done);
  int code = 0;
  if (!quit && expecting()) { // --exit-after-ms ran out first
    say("error timeout: received " + std::to_string(received) + " of "
        + std::to_string(*opt.expect));
    code = 1;
  }
  lock.unlock();
  return finish(code);
}
