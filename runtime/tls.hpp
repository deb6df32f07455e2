// Optional TLS for peer connections (liner-caf only, opt-in): TLS 1.3 with
// mutual certificate verification against a CA, OpenSSL driven through
// memory BIOs so that the bytes still travel through CAF's brokers. Both
// sides must have it; a plain peer and a TLS peer cannot talk (the plain
// side sees garbage and closes). See docs/security.md.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace liner::tls {

/// The files of one client: its certificate chain and key (PEM), and the CA
/// (PEM) that every peer's certificate must chain to.
struct settings {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;

  /// LINER_TLS_CERT, LINER_TLS_KEY and LINER_TLS_CA when all three are set;
  /// nullopt when none is; a failure (error_code::invalid_arg, naming the
  /// missing ones) when only some are: half a TLS setup must not quietly
  /// mean plain TCP.
  static result<std::optional<settings>> from_environment();
};

/// OpenSSL's context for one client (both roles: it accepts and it dials).
class context {
public:
  /// Loads and checks the files; a clear failure (error_code::invalid_arg)
  /// when one is missing, unreadable, or the key does not match.
  static result<std::shared_ptr<const context>> create(const settings& s);
  ~context();
  context(const context&) = delete;
  context& operator=(const context&) = delete;
  SSL_CTX* native() const { return ctx_; }

private:
  explicit context(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

/// One connection's TLS state. Not thread-safe: its broker owns it.
class session {
public:
  /// `server`: the accepting side.
  session(std::shared_ptr<const context> ctx, bool server);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Bytes that came from the network: decrypted bytes are appended to
  /// `plain`, and whatever TLS must answer (handshake) to `wire`. False on
  /// a TLS failure (a bad certificate, garbage): see error().
  bool on_received(const char* p, std::size_t n, std::vector<char>& plain, std::vector<char>& wire);
  /// Encrypts `n` bytes into `wire`; before the handshake is done they wait
  /// inside and go out with its end. False on a TLS failure.
  bool send(const char* p, std::size_t n, std::vector<char>& wire);
  /// The client's first handshake bytes (call once after creating a client session).
  bool start(std::vector<char>& wire);

  bool established() const { return established_; }
  const std::string& error() const { return error_; }

private:
  bool pump(std::vector<char>& plain, std::vector<char>& wire);
  bool flush_pending(std::vector<char>& wire);
  void drain(std::vector<char>& wire);
  bool fail(const char* what);

  std::shared_ptr<const context> ctx_;
  SSL* ssl_ = nullptr;
  bool established_ = false;
  std::vector<char> pending_; // plaintext written before the handshake ended
  std::string error_;
};

/// What a broker read, as its frame decoder must see it: `buf` itself on a
/// plain stream (`s` null); on a TLS stream the decrypted bytes, kept in
/// `plain`, with TLS's own answers appended to `wire` (the caller flushes).
/// Nothing on a TLS failure (s->error() says why).
struct bytes {
  const char* data;
  std::size_t size;
};
std::optional<bytes> open_received(session* s, const std::vector<char>& buf,
                                   std::vector<char>& plain, std::vector<char>& wire);

/// Appends `n` bytes to `wire`, encrypted when `s` is set; false on a TLS failure.
bool seal(session* s, const char* p, std::size_t n, std::vector<char>& wire);

} // namespace liner::tls
