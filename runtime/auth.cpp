#include "runtime/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace liner::auth {

namespace {

constexpr int version = 1;
constexpr std::size_t nonce_bytes = 32;

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 0x0f];
  }
  return out;
}

bool is_nonce(const std::string& s) {
  return s.size() == 2 * nonce_bytes
         && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Equal in constant time (MACs are compared against guesses).
bool same(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The handshake message in `data` if it is a JSON object of this version
// whose "step" is `step`; a "refused" message is reported as such.
std::optional<nlohmann::json> parse(const char* data, std::size_t size, const char* step,
                                    std::string& why) {
  auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  // No j.value(): it throws when a field has another type than asked.
  auto auth = j.is_object() ? j.find("auth") : j.end();
  if (!j.is_object() || auth == j.end() || !auth->is_number_integer() || *auth != version
      || !j.contains("step") || !j["step"].is_string()) {
    why = "not an authentication message";
    return std::nullopt;
  }
  auto got = j["step"].get<std::string>();
  if (got == "refused" && std::string(step) != "refused") {
    auto reason = j.contains("reason") && j["reason"].is_string() ? j["reason"].get<std::string>()
                                                                  : std::string("no reason given");
    why = "the peer refused to authenticate: " + reason;
    return std::nullopt;
  }
  if (got != step) {
    why = "expected an authentication " + std::string(step) + ", got " + got;
    return std::nullopt;
  }
  return j;
}

std::string field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

} // namespace

std::shared_ptr<const secret> secret::from_environment() {
  const char* env = std::getenv("LINER_AUTH_SECRET");
  if (!env || !*env)
    return nullptr;
  return std::make_shared<const secret>(env);
}

std::string secret::mac(const char* role, const std::string& sender, const std::string& listener,
                        const std::string& sender_nonce, const std::string& listener_nonce) const {
  // NUL separates the parts: names and nonces never contain one.
  std::string input = "liner-caf auth 1";
  for (const std::string& part : {std::string(role), sender, listener, sender_nonce, listener_nonce}) {
    input += '\0';
    input += part;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len))
    throw std::runtime_error("HMAC-SHA256 failed");
  return to_hex(out, len);
}

std::string make_nonce() {
  unsigned char bytes[nonce_bytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("OpenSSL has no randomness for a nonce");
  return to_hex(bytes, sizeof bytes);
}

// -- initiator ---------------------------------------------------------------------------

initiator::initiator(std::shared_ptr<const secret> key, std::string own_name,
                     std::string listener_name)
  : key_(std::move(key)), own_(std::move(own_name)), listener_(std::move(listener_name)),
    nonce_(make_nonce()) {
}

std::string initiator::hello() {
  return nlohmann::json{{"auth", version}, {"step", "hello"}, {"name", own_}, {"nonce", nonce_}}
    .dump();
}

result<std::string> initiator::on_challenge(const char* data, std::size_t size) {
  std::string why;
  auto j = parse(data, size, "challenge", why);
  if (!j)
    return fail(error_code::startup, why);
  auto name = field(*j, "name");
  auto nonce = field(*j, "nonce");
  if (name != listener_)
    return fail(error_code::startup, "the listener says it is '" + name + "', not '" + listener_ + "'");
  if (!is_nonce(nonce))
    return fail(error_code::startup, "malformed authentication challenge");
  if (!same(field(*j, "mac"), key_->mac("listener", own_, listener_, nonce_, nonce)))
    return fail(error_code::startup, "the listener does not hold our shared secret");
  return nlohmann::json{{"auth", version},
                        {"step", "response"},
                        {"mac", key_->mac("sender", own_, listener_, nonce_, nonce)}}
    .dump();
}

// -- responder ---------------------------------------------------------------------------

responder::responder(std::shared_ptr<const secret> key, std::string own_name)
  : key_(std::move(key)), own_(std::move(own_name)) {
}

responder::answer responder::on_hello(const char* data, std::size_t size) {
  auto refuse = [](std::string why, std::string reason) {
    return answer{nlohmann::json{{"auth", version}, {"step", "refused"}, {"reason", reason}}.dump(),
                  false, std::move(why)};
  };
  std::string why;
  auto j = parse(data, size, "hello", why);
  if (!j)
    return refuse(why, "malformed hello");
  sender_ = field(*j, "name");
  sender_nonce_ = field(*j, "nonce");
  if (sender_.empty() || !is_nonce(sender_nonce_))
    return refuse("malformed authentication hello", "malformed hello");
  if (!key_)
    return refuse("'" + sender_ + "' wants to authenticate, but this client has no shared secret",
                  "this peer has no shared secret");
  nonce_ = make_nonce();
  challenged_ = true;
  return answer{nlohmann::json{{"auth", version},
                               {"step", "challenge"},
                               {"name", own_},
                               {"nonce", nonce_},
                               {"mac", key_->mac("listener", sender_, own_, sender_nonce_, nonce_)}}
                  .dump(),
                true, {}};
}

result<std::string> responder::on_response(const char* data, std::size_t size) {
  if (!challenged_)
    return fail(error_code::startup, "authentication response before a hello");
  std::string why;
  auto j = parse(data, size, "response", why);
  if (!j)
    return fail(error_code::startup, why);
  if (!same(field(*j, "mac"), key_->mac("sender", sender_, own_, sender_nonce_, nonce_)))
    return fail(error_code::startup, "'" + sender_ + "' does not hold our shared secret");
  return sender_;
}

} // namespace liner::auth
