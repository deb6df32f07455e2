#include "actors/messages.hpp"

#include <unistd.h>

namespace liner::msg {

socket_handoff::~socket_handoff() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace liner::msg
