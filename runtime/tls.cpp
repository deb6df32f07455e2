#include "runtime/tls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdlib>

namespace liner::tls {

namespace {

// The oldest error in OpenSSL's queue, which it then forgets.
std::string openssl_error(const char* what) {
  std::string out = what;
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += ": ";
    out += buf;
  }
  ERR_clear_error();
  return out;
}

} // namespace

result<std::optional<settings>> settings::from_environment() {
  const char* names[] = {"LINER_TLS_CERT", "LINER_TLS_KEY", "LINER_TLS_CA"};
  std::string values[3];
  std::string missing;
  int unset = 0;
  for (int i = 0; i < 3; ++i) {
    const char* v = std::getenv(names[i]);
    values[i] = v ? v : "";
    if (values[i].empty()) {
      missing += std::string(missing.empty() ? "" : ", ") + names[i];
      ++unset;
    }
  }
  if (unset == 3)
    return std::optional<settings>{};
  if (!missing.empty())
    return fail(error_code::invalid_arg,
                "LINER_TLS_CERT, LINER_TLS_KEY and LINER_TLS_CA go together; missing: " + missing);
  return std::optional<settings>{settings{values[0], values[1], values[2]}};
}

result<std::shared_ptr<const context>> context::create(const settings& s) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (!ctx)
    return fail(error_code::invalid_arg, openssl_error("TLS: cannot create a context"));
  std::shared_ptr<const context> out{new context(ctx)};
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, s.cert_file.c_str()) != 1)
    return fail(error_code::invalid_arg, openssl_error(("TLS certificate " + s.cert_file).c_str()));
  if (SSL_CTX_use_PrivateKey_file(ctx, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail(error_code::invalid_arg, openssl_error(("TLS key " + s.key_file).c_str()));
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(error_code::invalid_arg,
                openssl_error(("TLS key " + s.key_file + " does not match " + s.cert_file).c_str()));
  if (SSL_CTX_load_verify_locations(ctx, s.ca_file.c_str(), nullptr) != 1)
    return fail(error_code::invalid_arg, openssl_error(("TLS CA " + s.ca_file).c_str()));
  // Both sides prove themselves: a peer without a certificate of our CA is refused.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return out;
}

context::~context() {
  SSL_CTX_free(ctx_);
}

session::session(std::shared_ptr<const context> ctx, bool server) : ctx_(std::move(ctx)) {
  ssl_ = SSL_new(ctx_->native());
  if (!ssl_) {
    fail("TLS: cannot create a session");
    return;
  }
  // The SSL owns both memory BIOs: rbio holds what came from the network,
  // wbio what must go out.
  SSL_set_bio(ssl_, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  if (server)
    SSL_set_accept_state(ssl_);
  else
    SSL_set_connect_state(ssl_);
}

session::~session() {
  SSL_free(ssl_);
}

bool session::fail(const char* what) {
  if (error_.empty())
    error_ = openssl_error(what);
  return false;
}

void session::drain(std::vector<char>& wire) {
  BIO* out = SSL_get_wbio(ssl_);
  char buf[16 * 1024];
  int n;
  while ((n = BIO_read(out, buf, sizeof buf)) > 0)
    wire.insert(wire.end(), buf, buf + n);
}

bool session::start(std::vector<char>& wire) {
  std::vector<char> none;
  return pump(none, wire);
}

// Moves the handshake on and reads what can be read.
bool session::pump(std::vector<char>& plain, std::vector<char>& wire) {
  if (!ssl_ || !error_.empty())
    return false;
  if (!established_) {
    int r = SSL_do_handshake(ssl_);
    drain(wire);
    if (r == 1) {
      established_ = true;
      if (!flush_pending(wire))
        return false;
    } else {
      int e = SSL_get_error(ssl_, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        long verify = SSL_get_verify_result(ssl_);
        if (verify != X509_V_OK) {
          error_ = std::string("TLS: the peer's certificate is not accepted: ")
                   + X509_verify_cert_error_string(verify);
          ERR_clear_error();
          return false;
        }
        return fail("TLS handshake failed");
      }
      return true;
    }
  }
  char buf[64 * 1024];
  while (true) {
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plain.insert(plain.end(), buf, buf + n);
      continue;
    }
    int e = SSL_get_error(ssl_, n);
    drain(wire); // TLS 1.3 may answer (key updates, tickets)
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
      return true;
    if (e == SSL_ERROR_ZERO_RETURN)
      return true; // the peer said goodbye; the TCP close follows
    return fail("TLS: reading failed");
  }
}

bool session::on_received(const char* p, std::size_t n, std::vector<char>& plain,
                          std::vector<char>& wire) {
  if (!ssl_ || !error_.empty())
    return false;
  if (n > 0 && BIO_write(SSL_get_rbio(ssl_), p, static_cast<int>(n)) != static_cast<int>(n))
    return fail("TLS: cannot buffer received bytes");
  return pump(plain, wire);
}

bool session::flush_pending(std::vector<char>& wire) {
  if (pending_.empty())
    return true;
  std::vector<char> data;
  data.swap(pending_);
  return send(data.data(), data.size(), wire);
}

bool session::send(const char* p, std::size_t n, std::vector<char>& wire) {
  if (!ssl_ || !error_.empty())
    return false;
  if (!established_) {
    pending_.insert(pending_.end(), p, p + n);
    return true;
  }
  while (n > 0) {
    // SSL_write takes an int: large outboxes go in slices.
    int chunk = static_cast<int>(std::min<std::size_t>(n, 1u << 30));
    int w = SSL_write(ssl_, p, chunk);
    if (w <= 0)
      return fail("TLS: writing failed");
    drain(wire);
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

std::optional<bytes> open_received(session* s, const std::vector<char>& buf,
                                   std::vector<char>& plain, std::vector<char>& wire) {
  if (!s)
    return bytes{buf.data(), buf.size()};
  if (!s->on_received(buf.data(), buf.size(), plain, wire))
    return std::nullopt;
  return bytes{plain.data(), plain.size()};
}

bool seal(session* s, const char* p, std::size_t n, std::vector<char>& wire) {
  if (!s) {
    wire.insert(wire.end(), p, p + n);
    return true;
  }
  return s->send(p, n, wire);
}

} // namespace liner::tls
