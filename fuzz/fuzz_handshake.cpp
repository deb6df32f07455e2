// libFuzzer target: the authentication handshake (runtime/auth.hpp), whose
// messages come from peers that have not proven anything yet.
//
// The input is one or two messages, split at the first 0xff byte (never
// part of valid UTF-8 JSON). Besides the sanitizers it checks that nothing
// the fuzzer writes gets through without the secret: a responder never
// accepts a response (its MAC covers a fresh random nonce), an initiator
// never accepts a challenge, and a responder without a secret never
// challenges. A genuine exchange must still succeed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "runtime/auth.hpp"

using namespace liner;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto cut = input.find('\xff');
  std::string first = input.substr(0, cut);
  std::string second = cut == std::string::npos ? std::string{} : input.substr(cut + 1);
  auto key = std::make_shared<const auth::secret>("fuzz secret");

  auth::responder listener{key, "listener"};
  auto answer = listener.on_hello(first.data(), first.size());
  LINER_FUZZ_CHECK(!answer.reply.empty(), "a hello got no answer at all");
  if (answer.accepted) {
    auto peer = listener.on_response(second.data(), second.size());
    LINER_FUZZ_CHECK(!peer, "a response without the secret was accepted");
  }

  auth::responder keyless{nullptr, "listener"};
  LINER_FUZZ_CHECK(!keyless.on_hello(first.data(), first.size()).accepted,
                   "a listener without a secret challenged");

  auth::initiator sender{key, "sender", "listener"};
  sender.hello();
  LINER_FUZZ_CHECK(!sender.on_challenge(first.data(), first.size()),
                   "a challenge without the secret was accepted");

  // The genuine exchange, once per run (it costs two HMACs and two nonces).
  static bool checked = false;
  if (!checked) {
    checked = true;
    auth::initiator s{key, "sender", "listener"};
    auth::responder l{key, "listener"};
    auto hello = s.hello();
    auto challenge = l.on_hello(hello.data(), hello.size());
    LINER_FUZZ_CHECK(challenge.accepted, "a genuine hello was refused");
    auto response = s.on_challenge(challenge.reply.data(), challenge.reply.size());
    LINER_FUZZ_CHECK(response.ok(), "a genuine challenge was refused");
    auto who = l.on_response(response->data(), response->size());
    LINER_FUZZ_CHECK(who.ok() && *who == "sender", "a genuine response was refused");
  }
  return 0;
}
