// The Store operations written once over sql::connection; the SQLite and
// PostgreSQL backends only supply the connection and their schema.
#pragma once

#include <memory>

#include "stores/sql_connection.hpp"
#include "stores/store.hpp"

namespace liner {

class SqlStore : public Store {
public:
  SqlStore(std::string unique_name, std::unique_ptr<sql::connection> conn);

  void set_deadline(clock::time_point deadline) override { db_->set_deadline(deadline); }
  bool connected() const override { return db_->connected(); }
  void reconnect() override { db_->reconnect(); }
  catalog_feed_opener catalog_feed_source() const override { return db_->catalog_feed_source(); }

  void regist_topic(const std::string& topic) override;
  void unregist_topic(const std::string& topic) override;
  void clear_addresses_of_topic() override;
  std::vector<topic_row> get_topic_directory(const std::string& topic) override;
  std::optional<std::string> get_listener_unique_name(const std::string& topic,
                                                      const std::string& addr) override;
  std::vector<std::string> get_addresses_of_client(const std::string& client_name) override;
  void mark_address_dead(const std::string& addr, const std::string& client_name) override;

  void save_listener_for_sender(const std::string& addr, const std::string& listener_topic,
                                const std::string& listener_name) override;
  void remember_listener_address(const std::string& addr, const std::string& listener_topic,
                                       const std::string& listener_name) override;
  void remove_sender_listeners_on_topic(const std::string& listener_topic) override;
  void remember_route_topic(const std::string& listener_name, const std::string& topic) override;
  std::vector<listener_row> get_routes_for_topic(const std::string& topic) override;
  std::vector<listener_row> get_listeners_of_sender() override;
  void clear_stored_messages() override;

  std::optional<int32_t> find_connection_key_for_sender(const std::string& listener_name) override;
  int32_t get_connection_key_for_sender(const std::string& listener_name) override;
  int32_t get_topic_key(const std::string& topic) override;
  void set_sender_topic_by_connection_key_from_sender(int32_t ck) override;
  std::optional<std::string> get_sender_topic_by_connection_key(int32_t ck) override;
  std::optional<std::string> get_connection_composite(int32_t ck) override;

  void set_last_mess_number_from_listener(int32_t ck, uint64_t number) override;
  void set_last_mess_numbers_from_listener(
    const std::vector<std::pair<int32_t, uint64_t>>& acks) override;
  uint64_t get_last_mess_number_for_listener(int32_t ck) override;
  uint64_t get_last_mess_number_for_sender(int32_t ck) override;

  int64_t count_pending_messages(int32_t ck) override;
  std::vector<int64_t> append_to_queue(int32_t ck, const std::vector<std::vector<char>>& frames,
                                       int64_t delete_up_to_id) override;
  std::vector<std::vector<char>> load_messages_for_sender(int32_t ck) override;
  std::vector<stored_frame> read_messages_for_sender(int32_t ck) override;
  std::vector<stored_frame> read_queue_page(int32_t ck, int64_t after_id,
                                            std::size_t limit) override;
  void delete_messages_for_sender(int32_t ck, int64_t up_to_id) override;
  std::optional<std::vector<char>> load_last_message_for_sender(int32_t ck) override;

  void seed_receivers(const std::vector<receiver_seed>& entries) override;

private:
  // Looks a key up by name, else allocates one in a write transaction; a
  // concurrent allocator of the same name wins quietly and both see its key.
  int32_t get_or_allocate(sql::statement get, sql::statement insert, const std::string& name);
  uint64_t read_ack_or_default(int32_t ck);
  std::optional<int32_t> find_key(sql::statement get, const std::string& name);

  std::unique_ptr<sql::connection> db_;
};

} // namespace liner
