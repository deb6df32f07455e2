#include "stores/sql_store.hpp"

#include <limits>
#include <set>

namespace liner {

using sql::statement;

namespace {

std::vector<char> as_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

// Rows of (id, payload) from conn_messages.
std::vector<stored_frame> stored_frames(const sql::rows& r) {
  std::vector<stored_frame> out;
  out.reserve(r.size());
  for (std::size_t i = 0; i < r.size(); ++i)
    out.push_back({r.integer(i, 0), as_bytes(r.text(i, 1))});
  return out;
}

int32_t as_key(int64_t v) {
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
    throw store_error("key out of the i32 range: " + std::to_string(v));
  return static_cast<int32_t>(v);
}

int64_t as_stored_number(uint64_t n) {
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw store_error("message number " + std::to_string(n) + " exceeds the SQL BIGINT range");
  return static_cast<int64_t>(n);
}

} // namespace

int64_t sql::rows::integer(std::size_t row, std::size_t col) const {
  const auto& f = data.at(row).at(col);
  if (auto p = std::get_if<int64_t>(&f))
    return *p;
  if (auto s = std::get_if<std::string>(&f)) {
    try {
      return std::stoll(*s);
    } catch (const std::exception&) {
    }
  }
  throw store_error("expected an integer in column " + std::to_string(col));
}

const std::string& sql::rows::text(std::size_t row, std::size_t col) const {
  const auto& f = data.at(row).at(col);
  if (auto s = std::get_if<std::string>(&f))
    return *s;
  throw store_error("expected text in column " + std::to_string(col));
}

SqlStore::SqlStore(std::string unique_name, std::unique_ptr<sql::connection> conn)
  : Store(std::move(unique_name)), db_(std::move(conn)) {
}

// -- catalog ------------------------------------------------------------------

void SqlStore::regist_topic(const std::string& topic) {
  sql::transaction tx{*db_};
  db_->run(statement::regist, {topic, source_localhost(), unique_name()});
  db_->run(statement::dead_clear, {source_localhost()});
  tx.commit();
}

void SqlStore::unregist_topic(const std::string& topic) {
  db_->run(statement::unregist, {topic, source_localhost()});
}

void SqlStore::clear_addresses_of_topic() {
  db_->run(statement::clear_topic, {source_topic()});
}

std::vector<topic_row> SqlStore::get_topic_directory(const std::string& topic) {
  auto r = db_->run(statement::catalog_rows, {topic});
  std::vector<topic_row> out;
  out.reserve(r.size());
  for (std::size_t i = 0; i < r.size(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1)});
  return out;
}

std::optional<std::string> SqlStore::get_listener_unique_name(const std::string& topic,
                                                              const std::string& addr) {
  auto r = db_->run(statement::catalog_name, {topic, addr});
  if (!r.empty())
    return r.text(0, 0);
  auto key = sender_key();
  r = db_->run(statement::listener_name_fallback, {key, addr, topic});
  if (!r.empty() && !r.text(0, 0).empty())
    return r.text(0, 0);
  return std::nullopt;
}

std::vector<std::string> SqlStore::get_addresses_of_client(const std::string& client_name) {
  auto r = db_->run(statement::listener_addrs, {client_name});
  std::vector<std::string> out;
  out.reserve(r.size());
  for (std::size_t i = 0; i < r.size(); ++i)
    out.push_back(r.text(i, 0));
  return out;
}

void SqlStore::mark_address_dead(const std::string& addr, const std::string& client_name) {
  db_->run(statement::dead_mark, {addr, client_name});
}

// -- sender routes --------------------------------------------------------------

void SqlStore::save_listener_for_sender(const std::string& addr,
                                        const std::string& listener_topic,
                                        const std::string& listener_name) {
  auto key = sender_key();
  db_->run(statement::save_listener, {key, addr, listener_topic, listener_name});
}

void SqlStore::remember_listener_address(const std::string& addr,
                                               const std::string& listener_topic,
                                               const std::string& listener_name) {
  auto key = sender_key();
  db_->run(statement::save_listener_keep, {key, addr, listener_topic, listener_name});
}

void SqlStore::remove_sender_listeners_on_topic(const std::string& listener_topic) {
  auto key = sender_key();
  sql::transaction tx{*db_};
  db_->run(statement::route_topic_remove, {key, listener_topic});
  db_->run(statement::route_topic_retopic, {key, listener_topic});
  db_->run(statement::remove_listeners_on_topic, {key, listener_topic});
  tx.commit();
}

void SqlStore::remember_route_topic(const std::string& listener_name, const std::string& topic) {
  auto key = sender_key();
  db_->run(statement::route_topic_add, {key, listener_name, topic});
}

std::vector<listener_row> SqlStore::get_routes_for_topic(const std::string& topic) {
  auto key = sender_key();
  auto r = db_->run(statement::routes_for_topic, {key, topic});
  std::vector<listener_row> out;
  out.reserve(r.size());
  for (std::size_t i = 0; i < r.size(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2)});
  return out;
}

std::vector<listener_row> SqlStore::get_listeners_of_sender() {
  auto key = sender_key();
  auto r = db_->run(statement::listeners_of_sender, {key});
  std::vector<listener_row> out;
  out.reserve(r.size());
  for (std::size_t i = 0; i < r.size(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2)});
  return out;
}

void SqlStore::clear_stored_messages() {
  sql::transaction tx{*db_};
  for (auto& route : remembered_routes()) {
    db_->run(statement::queue_clear, {int64_t{route.connection_key}});
    db_->run(statement::ack_delete, {int64_t{route.connection_key}});
  }
  auto key = sender_key();
  db_->run(statement::clear_listeners, {key});
  db_->run(statement::route_topic_clear, {key});
  tx.commit();
}

// -- keys -----------------------------------------------------------------------

std::optional<int32_t> SqlStore::find_key(statement get, const std::string& name) {
  auto r = db_->run(get, {name});
  if (r.empty())
    return std::nullopt;
  return as_key(r.integer(0, 0));
}

int32_t SqlStore::get_or_allocate(statement get, statement insert, const std::string& name) {
  if (auto k = find_key(get, name))
    return *k;
  sql::transaction tx{*db_};
  auto id = as_key(db_->run(statement::allocate_id, {}).integer(0, 0));
  db_->run(insert, {name, int64_t{id}});
  auto k = find_key(get, name);
  if (!k)
    throw store_error("key allocation for '" + name + "' left no row");
  tx.commit();
  return *k;
}

std::optional<int32_t> SqlStore::find_connection_key_for_sender(const std::string& listener_name) {
  return find_key(statement::conn_key_get, composite_key(listener_name));
}

int32_t SqlStore::get_connection_key_for_sender(const std::string& listener_name) {
  return get_or_allocate(statement::conn_key_get, statement::conn_key_insert,
                         composite_key(listener_name));
}

int32_t SqlStore::get_topic_key(const std::string& topic) {
  return get_or_allocate(statement::topic_key_get, statement::topic_key_insert, topic);
}

void SqlStore::set_sender_topic_by_connection_key_from_sender(int32_t ck) {
  db_->run(statement::conn_sender_set, {int64_t{ck}, source_topic()});
}

std::optional<std::string> SqlStore::get_sender_topic_by_connection_key(int32_t ck) {
  auto r = db_->run(statement::conn_sender_get, {int64_t{ck}});
  if (r.empty())
    return std::nullopt;
  return r.text(0, 0);
}

std::optional<std::string> SqlStore::get_connection_composite(int32_t ck) {
  auto r = db_->run(statement::conn_key_composite, {int64_t{ck}});
  if (r.empty())
    return std::nullopt;
  return r.text(0, 0);
}

// -- acks -------------------------------------------------------------------------

void SqlStore::set_last_mess_number_from_listener(int32_t ck, uint64_t number) {
  db_->run(statement::ack_set, {int64_t{ck}, as_stored_number(number)});
}

void SqlStore::set_last_mess_numbers_from_listener(
  const std::vector<std::pair<int32_t, uint64_t>>& acks) {
  if (acks.empty())
    return;
  sql::transaction tx{*db_};
  for (auto& [ck, n] : acks)
    db_->run(statement::ack_set, {int64_t{ck}, as_stored_number(n)});
  tx.commit();
}

uint64_t SqlStore::read_ack_or_default(int32_t ck) {
  auto r = db_->run(statement::ack_get, {int64_t{ck}});
  if (!r.empty())
    return static_cast<uint64_t>(r.integer(0, 0));
  db_->run(statement::ack_default, {int64_t{ck}});
  return 0;
}

uint64_t SqlStore::get_last_mess_number_for_listener(int32_t ck) {
  return read_ack_or_default(ck);
}

uint64_t SqlStore::get_last_mess_number_for_sender(int32_t ck) {
  return read_ack_or_default(ck);
}

// -- offline queue ---------------------------------------------------------------

int64_t SqlStore::count_pending_messages(int32_t ck) {
  return db_->run(statement::count_pending, {int64_t{ck}}).integer(0, 0);
}

std::vector<int64_t> SqlStore::append_to_queue(int32_t ck,
                                               const std::vector<std::vector<char>>& frames,
                                               int64_t delete_up_to_id) {
  if (frames.empty()) {
    if (delete_up_to_id > 0)
      delete_messages_for_sender(ck, delete_up_to_id);
    return {};
  }
  return db_->append_frames(ck, frames, delete_up_to_id);
}

std::vector<stored_frame> SqlStore::read_messages_for_sender(int32_t ck) {
  return stored_frames(db_->run(statement::queue_read, {int64_t{ck}}));
}

std::vector<stored_frame> SqlStore::read_queue_page(int32_t ck, int64_t after_id,
                                                    std::size_t limit) {
  return stored_frames(db_->run(statement::queue_read_page,
                                {int64_t{ck}, after_id, static_cast<int64_t>(limit)}));
}

void SqlStore::delete_messages_for_sender(int32_t ck, int64_t up_to_id) {
  db_->run(statement::queue_delete_up_to, {int64_t{ck}, up_to_id});
}

std::vector<std::vector<char>> SqlStore::load_messages_for_sender(int32_t ck) {
  sql::transaction tx{*db_};
  auto stored = read_messages_for_sender(ck);
  if (!stored.empty())
    delete_messages_for_sender(ck, stored.back().id);
  tx.commit();
  std::vector<std::vector<char>> out;
  out.reserve(stored.size());
  for (auto& s : stored)
    out.push_back(std::move(s.frame));
  return out;
}

std::optional<std::vector<char>> SqlStore::load_last_message_for_sender(int32_t ck) {
  auto r = db_->run(statement::queue_last, {int64_t{ck}});
  if (r.empty())
    return std::nullopt;
  return as_bytes(r.text(0, 0));
}

// -- seeding -------------------------------------------------------------------------

void SqlStore::seed_receivers(const std::vector<receiver_seed>& entries) {
  constexpr int64_t seeded_key = 1; // liner's FIRST_ISOLATED_*_KEY
  sql::transaction tx{*db_};
  for (auto& e : entries) {
    db_->run(statement::regist, {e.topic, e.addr, e.client_name});
    db_->run(statement::topic_key_seed, {e.topic, seeded_key});
    if (e.topic != source_topic()) {
      auto composite = composite_key(e.client_name);
      db_->run(statement::conn_key_evict, {composite, seeded_key});
      db_->run(statement::conn_key_seed, {composite, seeded_key});
      db_->run(statement::conn_sender_set, {seeded_key, e.topic});
    }
  }
  db_->run(statement::topic_key_insert, {source_topic(), seeded_key});
  // Keep the counter above every seeded connection key (topic keys are not
  // considered, as in liner: the next allocated id is 2).
  auto top = std::max(db_->run(statement::max_conn_key, {}).integer(0, 0),
                      db_->run(statement::max_conn_sender, {}).integer(0, 0));
  db_->run(statement::seq_raise, {top});
  tx.commit();
}

} // namespace liner
