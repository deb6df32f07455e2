// The typed interface of a client's actor, for C++ applications built on CAF
// 0.17 that want to talk to a liner client from their own actors instead of
// calling liner::Client. Each request answers with a liner error code
// (int32_t, 0 = ok); the client's last error is set as by the facade.
//
//   auto peer = liner::client_actor_of(*client);
//   self->request(peer, std::chrono::seconds(5), liner::send_atom::value,
//                 std::string{"orders"}, std::vector<char>{'h', 'i'}, true)
//     .then([](int32_t code) { /* 0: accepted */ },
//           [](caf::error&) { /* the client is gone */ });
//
// The actor lives in liner's own actor system (see docs/cpp-api.md).
#pragma once

#include <caf/atom.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <liner/client.hpp>

namespace liner {

using send_atom = caf::atom_constant<caf::atom("lnr_send")>;
using send_all_atom = caf::atom_constant<caf::atom("lnr_sendal")>;
using subscribe_atom = caf::atom_constant<caf::atom("lnr_sub")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("lnr_unsub")>;
using refresh_atom = caf::atom_constant<caf::atom("lnr_refr")>;

using client_actor = caf::typed_actor<
  // send_to(topic, payload, at_least_once) -> error code
  caf::replies_to<send_atom, std::string, std::vector<char>, bool>::with<int32_t>,
  // send_all(topic, payload, at_least_once) -> error code
  caf::replies_to<send_all_atom, std::string, std::vector<char>, bool>::with<int32_t>,
  caf::replies_to<subscribe_atom, std::string>::with<int32_t>,
  caf::replies_to<unsubscribe_atom, std::string>::with<int32_t>,
  caf::replies_to<refresh_atom, std::string>::with<int32_t>>;

/// The actor of a client (valid while the client exists).
client_actor client_actor_of(Client& client);

} // namespace liner
