// Peer authentication with a shared secret (opt-in, liner-caf only): a
// mutual challenge-response that opens every connection before any frame is
// accepted. The sender (initiator) and the listener (responder) each prove
// they hold the secret with an HMAC-SHA256 over fresh nonces from both sides
// and both peers' unique names:
//
//   sender   -> listener  hello     {name: S, nonce: Ns}
//   listener -> sender    challenge {name: L, nonce: Nl, mac: HMAC(k, "listener", S, L, Ns, Nl)}
//   sender   -> listener  response  {mac: HMAC(k, "sender", S, L, Ns, Nl)}
//
// A listener without a secret answers a hello with "refused". Each message
// is the payload of one frame whose topic key is auth_topic_key (see
// actors/route.hpp for the other extension keys); Rust liner never sends
// such frames and drops them. What this protects and what it does not:
// docs/security.md.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "runtime/result.hpp"

namespace liner::auth {

/// The wire marker of handshake frames (number 0).
inline constexpr int32_t topic_key = -3;

/// A shared secret; never empty.
class secret {
public:
  explicit secret(std::string key) : key_(std::move(key)) {}
  /// The secret from LINER_AUTH_SECRET, or null when it is unset or empty.
  static std::shared_ptr<const secret> from_environment();
  /// HMAC-SHA256 of `role` and the four values, as 64 hex digits.
  std::string mac(const char* role, const std::string& sender, const std::string& listener,
                  const std::string& sender_nonce, const std::string& listener_nonce) const;

private:
  std::string key_;
};

/// 32 random bytes from OpenSSL as 64 hex digits.
std::string make_nonce();

/// The sender's side of one handshake.
class initiator {
public:
  initiator(std::shared_ptr<const secret> key, std::string own_name, std::string listener_name);
  /// The first message.
  std::string hello();
  /// Checks the listener's answer; on success the response to send. Fails
  /// (error_code::startup) on a refusal, a malformed message, another
  /// listener name than expected or a wrong MAC.
  result<std::string> on_challenge(const char* data, std::size_t size);

private:
  std::shared_ptr<const secret> key_;
  std::string own_, listener_, nonce_;
};

/// The listener's side of one handshake. `key` may be null: then every
/// hello is answered with a refusal.
class responder {
public:
  responder(std::shared_ptr<const secret> key, std::string own_name);
  /// What to answer a hello with: a challenge, or (failure) a refusal
  /// message to send before closing; the failure's message says why.
  struct answer {
    std::string reply;
    bool accepted = false;
    std::string why; // when not accepted
  };
  answer on_hello(const char* data, std::size_t size);
  /// Checks the response; on success the authenticated sender's name.
  result<std::string> on_response(const char* data, std::size_t size);

private:
  std::shared_ptr<const secret> key_;
  std::string own_, sender_, sender_nonce_, nonce_;
  bool challenged_ = false;
};

} // namespace liner::auth
