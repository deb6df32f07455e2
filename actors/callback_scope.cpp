#include "actors/callback_scope.hpp"

#include <algorithm>
#include <atomic>
#include <vector>

namespace liner {

namespace {
std::atomic<client_id> last_id{0};
// The clients whose callbacks run on this thread, innermost last (a callback
// may call into another client whose callback then runs here too).
thread_local std::vector<client_id> running_here;
} // namespace

client_id next_client_id() {
  return ++last_id;
}

callback_scope::callback_scope(client_id client) {
  running_here.push_back(client);
}

callback_scope::~callback_scope() {
  running_here.pop_back();
}

bool callback_scope::inside(client_id client) {
  return std::find(running_here.begin(), running_here.end(), client) != running_here.end();
}

bool callback_scope::inside_any() {
  return !running_here.empty();
}

} // namespace liner
