// Publishing from SQL (PostgreSQL): `liner.publish(topic, payload, options)`
// inserts into the mesh's outbox table `liner_outbox` and NOTIFYs the mesh's
// channel; the row (and the notification) exist once the transaction
// commits. Running clients relay the rows into the mesh (actors/client_relay.cpp):
// each claims rows with FOR UPDATE SKIP LOCKED on its catalog feed's
// connection, so exactly one relays each row, and deletes them in the same
// transaction once they are safely on their way (docs/publish-from-sql.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "stores/outbox_row.hpp"
#include "stores/pg_session.hpp"

namespace liner {

/// The outbox table, `<schema>.liner_publish(...)` for the mesh's own
/// schema, and the dispatcher `liner.publish(...)` (run by the store's
/// connection at open, inside its schema transaction).
extern const char* const postgres_outbox_schema;

namespace pg {

/// Begins a transaction and locks up to `limit` outbox rows with ids above
/// `after` that no other session holds, in id order.
std::vector<outbox_row> claim_outbox(session& s, int64_t after, std::size_t limit);
/// Deletes the rows `done` (relayed) and commits: the rest stay for later.
void finish_outbox(session& s, const std::vector<int64_t>& done);

} // namespace pg
} // namespace liner
