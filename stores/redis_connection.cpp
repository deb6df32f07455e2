#include "stores/redis_connection.hpp"

#include <hiredis/hiredis.h>

#include <poll.h>

#include <cctype>
#include <cerrno>
#include <memory>
#include <utility>

#include "runtime/knobs.hpp"
#include "runtime/net_address.hpp"
#include "stores/store.hpp"

namespace liner::redis {

namespace {

// The URL as errors may show it: a password (after ':' in the user part, a
// lone user part, which the crate reads as the password, or a pass= query
// value of a unix socket URL) becomes ***.
std::string redacted(std::string url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    return url;
  auto start = scheme + 3;
  auto end = url.find_first_of("/?#", start);
  auto at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at != std::string::npos && at >= start) {
    auto colon = url.find(':', start);
    auto secret_from = colon != std::string::npos && colon < at ? colon + 1 : start;
    url = url.substr(0, secret_from) + "***" + url.substr(at);
  }
  for (const char* key : {"pass=", "password="}) {
    auto q = url.find('?');
    for (auto p = url.find(key, q == std::string::npos ? url.size() : q); p != std::string::npos;
         p = url.find(key, p + 1)) {
      if (url[p - 1] != '?' && url[p - 1] != '&')
        continue;
      auto from = p + std::string(key).size();
      auto to = url.find('&', from);
      url = url.substr(0, from) + "***" + (to == std::string::npos ? "" : url.substr(to));
    }
  }
  return url;
}

std::string percent_decoded(std::string_view s, const std::string& url) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1]))
        || !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      throw store_error("invalid Redis URL '" + redacted(url) + "': bad %-escape");
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// A whole decimal number within [lo, hi], else nullopt.
std::optional<long long> number(std::string_view s, long long lo, long long hi) {
  if (s.empty() || s.size() > 18)
    return std::nullopt;
  long long v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi)
    return std::nullopt;
  return v;
}

// ?db=N&pass=...&user=... of a unix socket URL.
void read_query(std::string_view query, address& out, const std::string& url) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = item.find('=');
    auto key = item.substr(0, eq);
    auto val = eq == std::string_view::npos ? std::string{} : percent_decoded(item.substr(eq + 1), url);
    if (key == "db") {
      auto db = number(val, 0, 1 << 20);
      if (!db)
        throw store_error("invalid Redis URL '" + redacted(url) + "': db must be a number");
      out.db = static_cast<int>(*db);
    } else if (key == "pass" || key == "password") {
      out.password = val;
    } else if (key == "user") {
      out.user = val;
    }
  }
}

value to_value(const redisReply* r, std::string& first_error) {
  value v;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      v.type = value::kind::string;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      v.type = value::kind::status;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      v.type = value::kind::integer;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.type = value::kind::array;
      v.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        v.elements.push_back(to_value(r->element[i], first_error));
      break;
    case REDIS_REPLY_ERROR:
      if (first_error.empty())
        first_error.assign(r->str, r->len);
      break;
    default:
      break; // nil
  }
  return v;
}

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

// "HGETALL lnr_topic:x:addr" for messages; never a payload, never a password.
std::string what(const command& cmd) {
  std::string out(cmd.empty() ? std::string_view{} : cmd[0]);
  if (cmd.size() > 1 && out != "AUTH")
    out += " " + std::string(cmd[1].substr(0, 80));
  return out;
}

} // namespace

std::string address::describe() const {
  std::string where = unix_path.empty() ? (host.find(':') != std::string::npos ? "[" + host + "]" : host)
                                            + ":" + std::to_string(port)
                                      : unix_path;
  return where + " db " + std::to_string(db);
}

address parse_url(const std::string& url) {
  address out;
  std::string_view rest{url};
  auto fail = [&](const std::string& why) -> store_error {
    return store_error("invalid Redis URL '" + redacted(url) + "': " + why);
  };
  if (rest.rfind("rediss://", 0) == 0)
    throw fail("TLS to Redis (rediss://) is not supported");
  bool unix_socket = false;
  if (rest.rfind("redis://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("unix://", 0) == 0 || rest.rfind("redis+unix://", 0) == 0) {
    rest.remove_prefix(rest.find("://") + 3);
    unix_socket = true;
  } else {
    throw fail("expected redis://host[:port][/db] or unix:///path");
  }
  auto hash = rest.find('#');
  rest = rest.substr(0, hash);
  auto q = rest.find('?');
  auto query = q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1);
  rest = rest.substr(0, q);
  if (unix_socket) {
    if (rest.empty() || rest[0] != '/')
      throw fail("a unix socket URL needs an absolute path (unix:///run/redis.sock)");
    out.unix_path = percent_decoded(rest, url);
    read_query(query, out, url);
    return out;
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    auto userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    out.user = percent_decoded(userinfo.substr(0, colon), url);
    if (colon != std::string_view::npos)
      out.password = percent_decoded(userinfo.substr(colon + 1), url);
    else // redis://secret@host: the crate reads a lone name as the password
      out.password = std::exchange(out.user, std::string{});
  }
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw fail("unclosed [ in the host");
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':')
        throw fail("expected :port after ]");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
  }
  if (out.host.empty())
    throw fail("no host");
  if (!port.empty()) {
    auto p = number(port, 1, 65535);
    if (!p)
      throw fail("the port must be a number from 1 to 65535");
    out.port = static_cast<int>(*p);
  }
  if (!path.empty()) {
    auto db = number(path, 0, 1 << 20);
    if (!db)
      throw fail("the path must be a database number (redis://host/0)");
    out.db = static_cast<int>(*db);
  }
  return out;
}

connection::connection(const std::string& url, std::string name)
  : where_(parse_url(url)), name_(std::move(name)) {
  // Redis takes only printable ASCII without spaces in a client name.
  for (auto& c : name_)
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) > '~')
      c = '_';
}

connection::~connection() {
  drop();
}

void connection::drop() noexcept {
  if (ctx_)
    redisFree(ctx_);
  ctx_ = nullptr;
}

void connection::connect() {
  drop();
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - clock::now());
  if (left.count() <= 0)
    throw store_error("Redis did not answer in time (connecting)", store_failure::timeout);
  timeval tv{static_cast<time_t>(left.count() / 1000000), static_cast<suseconds_t>(left.count() % 1000000)};
  redisContext* c = where_.unix_path.empty()
                      ? redisConnectWithTimeout(where_.host.c_str(), where_.port, tv)
                      : redisConnectUnixWithTimeout(where_.unix_path.c_str(), tv);
  if (!c)
    throw store_error("cannot connect to Redis at " + where_.describe() + ": out of memory",
                      store_failure::connection_lost);
  if (c->err) {
    std::string why = c->errstr;
    redisFree(c);
    throw store_error("cannot connect to Redis at " + where_.describe() + ": " + why,
                      clock::now() >= deadline_ ? store_failure::timeout
                                                : store_failure::connection_lost);
  }
  ctx_ = c;
  // A server behind a partition: an idle connection (the catalog feed's
  // SUBSCRIBE) would otherwise look alive for hours (docs/failure-modes.md).
  net::set_liveness(c->fd, knobs::peer_timeout());
  // A refused password or database is a setting to fix, not a fault to wait out.
  auto settle = [&](const command& cmd, const std::string& what_for) {
    try {
      run(cmd);
    } catch (const store_error& e) {
      if (e.kind() != store_failure::error)
        throw;
      drop();
      std::string why = e.what();
      if (why.rfind("Redis: ", 0) == 0)
        why.erase(0, 7);
      throw store_error("Redis at " + where_.describe() + " " + what_for + ": " + why);
    }
  };
  if (!where_.password.empty()) {
    if (where_.user.empty())
      settle({"AUTH", where_.password}, "refused the password");
    else
      settle({"AUTH", where_.user, where_.password}, "refused the user and password");
  }
  if (where_.db != 0) {
    auto db = std::to_string(where_.db);
    settle({"SELECT", db}, "refused the database");
  }
  settle({"PING"}, "does not serve us");
  if (!name_.empty())
    run({"CLIENT", "SETNAME", name_});
}

void connection::apply_deadline() {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - clock::now());
  if (left.count() <= 0) {
    drop();
    throw store_error("Redis did not answer in time", store_failure::timeout);
  }
  if (deadline_ == clock::time_point::max())
    left = std::chrono::hours{1};
  timeval tv{static_cast<time_t>(left.count() / 1000000), static_cast<suseconds_t>(left.count() % 1000000)};
  redisSetTimeout(ctx_, tv);
}

void connection::fail_io(const char* doing) {
  std::string why = ctx_ && ctx_->err ? ctx_->errstr : "no reply";
  bool late = clock::now() >= deadline_ || (ctx_ && ctx_->err == REDIS_ERR_IO && errno == EAGAIN);
  drop();
  if (late)
    throw store_error(std::string("Redis did not answer in time (") + doing + ")",
                      store_failure::timeout);
  throw store_error("connection to Redis lost: " + why, store_failure::connection_lost);
}

value connection::run(const command& cmd) {
  return std::move(run_all({cmd}).front());
}

std::vector<value> connection::run_all(const std::vector<command>& cmds) {
  if (!ctx_)
    throw store_error("connection to Redis lost: not connected", store_failure::connection_lost);
  apply_deadline();
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& cmd : cmds) {
    argv.clear();
    lens.clear();
    for (auto part : cmd) {
      argv.push_back(part.data());
      lens.push_back(part.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())
        != REDIS_OK)
      fail_io("sending");
  }
  std::vector<value> out;
  out.reserve(cmds.size());
  std::string first_error;
  std::size_t failed_at = 0;
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw)
      fail_io("waiting for the answer");
    reply_ptr r{static_cast<redisReply*>(raw)};
    bool had_error = !first_error.empty();
    out.push_back(to_value(r.get(), first_error));
    if (!had_error && !first_error.empty())
      failed_at = i;
  }
  if (!first_error.empty())
    throw store_error("Redis: " + first_error + " (" + what(cmds[failed_at]) + ")");
  return out;
}

int connection::fd() const {
  return ctx_ ? ctx_->fd : -1;
}

std::vector<value> connection::take_pushed() {
  if (!ctx_)
    throw store_error("connection to Redis lost: not connected", store_failure::connection_lost);
  std::vector<value> out;
  std::string ignored_error;
  while (true) {
    // Only what is there: one read when poll() says data (or EOF) waits.
    pollfd p{ctx_->fd, POLLIN, 0};
    int n = ::poll(&p, 1, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      fail_io("polling");
    if (n == 0)
      break;
    if (redisBufferRead(ctx_) != REDIS_OK)
      fail_io("reading");
    void* raw = nullptr;
    while (redisGetReplyFromReader(ctx_, &raw) == REDIS_OK && raw) {
      reply_ptr r{static_cast<redisReply*>(raw)};
      out.push_back(to_value(r.get(), ignored_error));
      raw = nullptr;
    }
    if (ctx_->err)
      fail_io("reading");
  }
  return out;
}

std::string key_part(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '\\')
      out += "\\\\";
    else if (c == ':')
      out += "\\c";
    else
      out += c;
  }
  return out;
}

std::string from_key_part(std::string_view part) {
  std::string out;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] == '\\' && i + 1 < part.size()) {
      out += part[i + 1] == 'c' ? ':' : part[i + 1];
      ++i;
    } else {
      out += part[i];
    }
  }
  return out;
}

std::string glob_literal(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace liner::redis
