// Ending a CAF 0.17 broker without leaking it.
//
// A broker's cleanup (abstract_broker::cleanup) skips scheduled_actor's: it
// neither closes nor drains the mailbox. A message that reaches a broker
// after it quit stays in the mailbox until the broker is destroyed, and when
// that message's sender is the broker itself, it never is: the element holds
// a strong reference to its own mailbox's owner. CAF creates exactly such
// messages: the timeout of a request (sender: the requester) fires whether
// or not the answer came, and a broker that quits just then keeps it. Closing
// and draining the mailbox when the broker exits breaks the cycle; later
// messages are then refused (requests bounced) as for any other actor.
#pragma once

#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/error.hpp>
#include <caf/io/abstract_broker.hpp>

#include <sys/socket.h>

namespace liner {

/// Call once from the broker's own behavior factory.
inline void close_mailbox_on_exit(caf::io::abstract_broker* self) {
  // Attachables run inside the broker's cleanup, on its thread, while it is
  // alive: the raw pointer cannot dangle.
  self->attach_functor([self](const caf::error& reason) {
    auto& box = self->mailbox();
    if (box.closed())
      return;
    box.close();
    self->get_normal_queue().flush_cache();
    self->get_urgent_queue().flush_cache();
    caf::detail::sync_request_bouncer bounce{reason};
    while (box.queue().new_round(1000, bounce).consumed_items)
      ; // drops every element (and answers requests with the exit reason)
  });
}

/// Ends a stream the broker holds, at once: its socket is shut down (`how`:
/// SHUT_RD still writes what is queued, SHUT_RDWR ends both ways). CAF then
/// reads end-of-file, detaches the scribe and reports connection_closed_msg;
/// until then the handle's messages are stale (compare handles).
///
/// Not abstract_broker::close(hdl), which removes the scribe's read event at
/// once: CAF 0.17's multiplexer applies the event changes of one round
/// together, per socket, and a removal that cancels an addition of the same
/// round (a stream opened and dropped by one mailbox run) is never reported
/// to the scribe, which keeps the reference to itself that only that report
/// drops. The scribe leaks and its socket stays open. End-of-file is read
/// only from a registered read event, so CAF's own removal is a real one.
/// A stream whose reads the broker `halt`ed has no read event: it is closed
/// now (that removal happened already, or is real in this round), and CAF
/// reports nothing more of it.
inline void end_stream_now(caf::io::abstract_broker* self, caf::io::connection_handle hdl, int fd,
                           int how, bool halted = false) {
  ::shutdown(fd, how);
  if (halted)
    self->close(hdl);
}

/// Reads a stream again that the broker did not mean to leave halted. CAF
/// 0.17 loses a trigger in the round of the halt it undoes: the removal of
/// the read event is still pending, so the scribe looks active and ignores
/// the trigger, then the removal lands and nothing reads the stream again.
/// Called from a timer, this re-registers such a stream; on a stream that
/// reads, it does nothing.
inline void rearm_reads(caf::io::abstract_broker* self, caf::io::connection_handle hdl) {
  self->trigger(hdl);
}

} // namespace liner
