// Helpers for tests that run liner::Client objects in the test process:
// an inbox that records what a client received, a log of status events, a
// peer (client + its inbox), and guards for the process-wide knobs.
//
// Every wait here is a condition wait with a generous deadline (20 s): tests
// never sleep and then assert, and they assert no timing.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <liner/client.hpp>

#include "support/test_backends.hpp"

namespace liner::test {

inline constexpr std::chrono::seconds wait_deadline{20};

struct received_message {
  std::string to;
  std::string from;
  std::string data;
};

/// Everything one client received, in arrival order.
class inbox {
public:
  receive_callback callback() {
    return [this](std::string_view to, std::string_view from, const char* data, std::size_t size) {
      {
        std::lock_guard<std::mutex> lock{mtx_};
        messages_.push_back({std::string{to}, std::string{from}, std::string{data, size}});
      }
      cv_.notify_all();
    };
  }

  /// Waits until `pred(messages)` holds; false after the deadline.
  bool wait_until(const std::function<bool(const std::vector<received_message>&)>& pred,
                  std::chrono::milliseconds timeout = wait_deadline) {
    std::unique_lock<std::mutex> lock{mtx_};
    return cv_.wait_for(lock, timeout, [&] { return pred(messages_); });
  }

  bool wait_for_count(std::size_t n) {
    return wait_until([n](const auto& m) { return m.size() >= n; });
  }

  /// Waits for a message with this payload (tests end streams with a marker
  /// so that anything sent before it, duplicates included, has arrived).
  bool wait_for_data(const std::string& data) {
    return wait_until([&](const auto& m) {
      for (auto& x : m)
        if (x.data == data)
          return true;
      return false;
    });
  }

  std::vector<received_message> snapshot() const {
    std::lock_guard<std::mutex> lock{mtx_};
    return messages_;
  }

  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (auto& m : snapshot())
      out.push_back(m.data);
    return out;
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock{mtx_};
    return messages_.size();
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<received_message> messages_;
};

struct status_event {
  status_kind kind;
  std::string topic;
  std::string peer;
  std::string message;
};

/// Every status event a client reported.
class status_log {
public:
  status_callback callback() {
    return [this](status_kind kind, std::string_view topic, std::string_view peer,
                  std::string_view message) {
      {
        std::lock_guard<std::mutex> lock{mtx_};
        events_.push_back({kind, std::string{topic}, std::string{peer}, std::string{message}});
      }
      cv_.notify_all();
    };
  }

  /// Waits for an event of this kind and topic; returns it, or nothing after
  /// the deadline.
  std::optional<status_event> wait_for(status_kind kind, const std::string& topic) {
    std::unique_lock<std::mutex> lock{mtx_};
    std::optional<status_event> found;
    cv_.wait_for(lock, wait_deadline, [&] {
      for (auto& e : events_)
        if (e.kind == kind && e.topic == topic) {
          found = e;
          return true;
        }
      return false;
    });
    return found;
  }

  /// Waits for an event of this kind (any topic) whose message contains `text`.
  bool wait_for_text(status_kind kind, const std::string& text) {
    std::unique_lock<std::mutex> lock{mtx_};
    return cv_.wait_for(lock, wait_deadline, [&] {
      for (auto& e : events_)
        if (e.kind == kind && e.message.find(text) != std::string::npos)
          return true;
      return false;
    });
  }

  std::string describe() const {
    std::lock_guard<std::mutex> lock{mtx_};
    std::ostringstream out;
    for (auto& e : events_)
      out << "  kind " << static_cast<int>(e.kind) << " topic '" << e.topic << "' peer '" << e.peer
          << "' message '" << e.message << "'\n";
    return out.str();
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<status_event> events_;
};

/// A client with its inbox and status log. The client is declared last so
/// it is destroyed first: its callbacks never outlive what they write to.
struct peer {
  inbox in;
  status_log status;
  std::unique_ptr<Client> client;

  Client* operator->() const { return client.get(); }
  bool run() { return client->run(in.callback()); }
  /// send_to with a std::string payload.
  bool send(const std::string& topic, const std::string& data, bool at_least_once = true) {
    return client->send_to(topic, data.data(), data.size(), at_least_once);
  }
  std::string error() const {
    return std::to_string(static_cast<int>(client->last_error())) + " "
           + client->last_error_message();
  }
};

/// A client on the test database, binding `bind` (an ephemeral port by
/// default); adds a test failure and returns nullptr if it cannot be created.
inline std::unique_ptr<Client> make_client(test_database& db, const std::string& name,
                                           const std::string& topic,
                                           const std::string& bind = "127.0.0.1:0") {
  std::string error;
  auto c = db.kind() == "sqlite"     ? Client::create_sqlite(name, topic, bind, db.location(), "", &error)
           : db.kind() == "postgres" ? Client::create_postgres(name, topic, bind, db.location(), &error)
                                     : Client::create_redis(name, topic, bind, db.location(), &error);
  if (!c)
    ADD_FAILURE() << "cannot create client " << name << " on " << db.kind() << ": " << error;
  return c;
}

inline std::unique_ptr<peer> make_peer(test_database& db, const std::string& name,
                                       const std::string& topic,
                                       const std::string& bind = "127.0.0.1:0") {
  auto p = std::make_unique<peer>();
  p->client = make_client(db, name, topic, bind);
  if (!p->client)
    return nullptr;
  p->client->set_status_callback(p->status.callback());
  return p;
}

/// One fresh database of the parametrized kind ("sqlite" or "postgres") per
/// test; PostgreSQL tests fail (not skip) without LINER_TEST_POSTGRES_URL.
class client_fixture : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override { db = make_test_database(GetParam()); }

  /// A created, not yet running peer.
  std::unique_ptr<peer> created(const std::string& name, const std::string& topic,
                                const std::string& bind = "127.0.0.1:0") {
    return make_peer(*db, name, topic, bind);
  }

  /// A running peer, or nullptr (with a test failure saying why).
  std::unique_ptr<peer> running(const std::string& name, const std::string& topic) {
    auto p = created(name, topic);
    if (p && !p->run()) {
      ADD_FAILURE() << name << ": run failed: " << p->error();
      return nullptr;
    }
    return p;
  }

  std::unique_ptr<test_database> db;
};

/// Success when the client's last error is `code` with exactly `message`.
inline ::testing::AssertionResult failed_with(const Client& c, error_code code,
                                              const std::string& message) {
  if (c.last_error() == code && c.last_error_message() == message)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "last error is " << static_cast<int>(c.last_error()) << " '" << c.last_error_message()
         << "', expected " << static_cast<int>(code) << " '" << message << "'";
}

inline ::testing::AssertionResult succeeded(const Client& c) {
  return failed_with(c, error_code::ok, "");
}

/// Restores the process-wide knobs when the test ends, also on failure.
class knob_guard {
public:
  knob_guard()
    : max_send_queue_(Client::max_send_queue()), max_message_size_(Client::max_message_size()),
      compress_threshold_(Client::compress_threshold()) {}
  ~knob_guard() {
    Client::set_max_send_queue(max_send_queue_);
    Client::set_max_message_size(max_message_size_);
    Client::set_compress_threshold(compress_threshold_);
  }

private:
  std::size_t max_send_queue_;
  std::size_t max_message_size_;
  std::size_t compress_threshold_;
};

/// "msg-0", "msg-1", ... (the payloads the tests send and check).
inline std::string numbered(int i, const std::string& prefix = "msg-") {
  return prefix + std::to_string(i);
}

/// Sends best-effort numbered messages to `topic` until one is refused
/// (BUSY, with a small max_send_queue and a dead address); returns how many
/// were accepted before, or -1 if none of 100,000 was refused.
inline int send_until_refused(peer& p, const std::string& topic) {
  for (int i = 0; i < 100000; ++i)
    if (!p.send(topic, numbered(i), false))
      return i;
  return -1;
}

/// Empty when `got` is exactly `expected`; otherwise the first difference.
inline std::string sequence_difference(const std::vector<std::string>& got,
                                       const std::vector<std::string>& expected) {
  for (std::size_t i = 0; i < got.size() && i < expected.size(); ++i)
    if (got[i] != expected[i])
      return "at position " + std::to_string(i) + ": got '" + got[i] + "', expected '"
             + expected[i] + "' (" + std::to_string(got.size()) + " received, "
             + std::to_string(expected.size()) + " expected)";
  if (got.size() != expected.size())
    return std::to_string(got.size()) + " received, " + std::to_string(expected.size())
           + " expected";
  return {};
}

} // namespace liner::test
