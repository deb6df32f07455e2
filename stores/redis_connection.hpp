// One connection to a Redis server on hiredis: liner's URL forms, a deadline
// for every round trip, replies copied into owning values, and failures as
// store_errors of the kind the store actor acts on (connection_lost, timeout,
// error). Used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace liner::redis {

/// Where liner's Redis URL points: `redis://[[user]:password@]host[:port][/db]`
/// (as the Rust redis crate reads it: port 6379 and database 0 by default,
/// user and password percent-decoded, `[v6]` hosts) or
/// `unix:///path/to/socket[?db=N&pass=...]` (also `redis+unix://`).
struct address {
  std::string host;
  int port = 6379;
  std::string unix_path; // set for a unix socket; host and port unused then
  std::string user;
  std::string password;
  int db = 0;

  /// host:port or the socket path, db included, never the password.
  std::string describe() const;
};

/// Parses `url`; throws store_error (kind error) saying what is wrong.
address parse_url(const std::string& url);

/// One reply, owned. Errors never become values: they are thrown.
struct value {
  enum class kind { nil, string, integer, array, status };
  kind type = kind::nil;
  std::string str;       // string and status
  long long integer = 0; // integer
  std::vector<value> elements;

  bool is_nil() const { return type == kind::nil; }
};

using command = std::vector<std::string_view>;

class connection {
public:
  using clock = std::chrono::steady_clock;

  /// Parses `url` (throws store_error); connects only in connect(). A
  /// `name` is given to the connection (CLIENT SETNAME; spaces and bytes
  /// outside printable ASCII become '_'),
  /// so operators see whose it is in CLIENT LIST.
  explicit connection(const std::string& url, std::string name = "");
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  const address& where() const { return where_; }
  void set_deadline(clock::time_point deadline) { deadline_ = deadline; }
  bool connected() const { return ctx_ != nullptr; }

  /// Connects, authenticates and selects the database, by the deadline.
  /// A server that cannot be reached: kind connection_lost; a refused
  /// password or database: kind error (retrying cannot help).
  void connect();
  void drop() noexcept;

  /// One command, one round trip. A Redis error reply throws store_error
  /// (kind error) with the server's text and the command's name and key.
  value run(const command& cmd);
  /// Several commands in one round trip; replies in order. The first error
  /// reply throws (after every reply was read: the connection stays usable).
  std::vector<value> run_all(const std::vector<command>& cmds);

  /// Subscribed connections: the descriptor to poll() for pushed messages
  /// (-1 when not connected), and the messages that arrived, without
  /// waiting. A closed or broken connection throws (kind connection_lost).
  int fd() const;
  std::vector<value> take_pushed();

private:
  void apply_deadline();
  [[noreturn]] void fail_io(const char* doing);

  address where_;
  std::string name_;
  redisContext* ctx_ = nullptr;
  clock::time_point deadline_ = clock::time_point::max();
};

/// The key part liner writes for a name: `\` and `:` escaped (`\\`, `\c`),
/// so that names cannot add segments to a key path.
std::string key_part(std::string_view name);
/// `key_part` undone.
std::string from_key_part(std::string_view part);
/// A glob pattern (SCAN MATCH) matching `text` literally.
std::string glob_literal(std::string_view text);

} // namespace liner::redis
