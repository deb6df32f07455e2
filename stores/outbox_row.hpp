// One message published from SQL and waiting in the mesh's outbox
// (stores/postgres_outbox.hpp), as a relaying client reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace liner {

/// The sender topic of messages published from SQL: a receive callback
/// sees it as `from` (the relaying clients' routes run as this sender).
inline constexpr char sql_publisher_topic[] = "liner.publish";

struct outbox_row {
  int64_t id = 0;
  std::string topic;
  std::vector<char> payload;
  std::string options; // a JSON object (checked by liner_publish)
};

} // namespace liner
