#include "stores/redis_catalog_feed.hpp"

#include <nlohmann/json.hpp>

#include "stores/json_field.hpp"

#include "stores/redis_connection.hpp"
#include "stores/store.hpp"

namespace liner {

namespace {

class redis_catalog_feed : public catalog_feed {
public:
  redis_catalog_feed(const std::string& url, const std::string& name,
                     std::chrono::steady_clock::time_point deadline)
    : conn_(url, name) {
    conn_.set_deadline(deadline);
    conn_.connect();
    auto db = std::to_string(conn_.where().db);
    keyspace_prefix_ = "__keyspace@" + db + "__:lnr_topic:";
    conn_.run_all({{"SUBSCRIBE", redis_catalog_channel(conn_.where().db)},
                   {"PSUBSCRIBE", keyspace_prefix_ + "*:addr"}});
    // Changes by others come only as keyspace events for hashes (K and h,
    // or A for all types); a server that does not send them, or does not
    // let us ask (ACL, renamed CONFIG), leaves us our peers' PUBLISHes.
    try {
      auto v = conn_.run({"CONFIG", "GET", "notify-keyspace-events"});
      auto flags = v.elements.size() == 2 ? v.elements[1].str : std::string();
      bool keyspace = flags.find('K') != std::string::npos;
      bool hashes = flags.find('h') != std::string::npos || flags.find('A') != std::string::npos;
      if (!keyspace || !hashes)
        missing_ = "the server's notify-keyspace-events is '" + flags + "', without K and h";
    } catch (const store_error& e) {
      if (e.kind() != store_failure::error)
        throw;
      missing_ = std::string("CONFIG GET notify-keyspace-events refused: ") + e.what();
    }
    conn_.set_deadline(std::chrono::steady_clock::time_point::max()); // reads never wait
  }

  bool complete() const override { return missing_.empty(); }
  std::string incomplete_because() const override { return missing_; }

  int socket() const override { return conn_.fd(); }

  std::vector<catalog_change> take() override {
    std::vector<catalog_change> out;
    for (auto& v : conn_.take_pushed()) {
      const auto& e = v.elements;
      if (e.size() == 3 && e[0].str == "message") {
        auto j = nlohmann::json::parse(e[2].str, nullptr, false);
        if (!j.is_object())
          continue;
        out.push_back({string_field(j, "op"), string_field(j, "topic"), string_field(j, "addr"),
                       string_field(j, "client"), ""});
      } else if (e.size() == 4 && e[0].str == "pmessage") {
        // __keyspace@0__:lnr_topic:{topic}:addr, message "hset", "hdel", "del" ...
        const auto& channel = e[2].str;
        if (channel.size() <= keyspace_prefix_.size() + 5)
          continue;
        auto part = channel.substr(keyspace_prefix_.size(),
                                   channel.size() - keyspace_prefix_.size() - 5);
        out.push_back({"UPDATE", redis::from_key_part(part), "", "", ""});
      }
    }
    return out;
  }

private:
  redis::connection conn_;
  std::string keyspace_prefix_;
  std::string missing_; // why changes by others are not heard ("" when they are)
};

} // namespace

std::string redis_catalog_channel(int db) {
  return "lnrcaf:catalog:" + std::to_string(db);
}

std::string redis_catalog_message(const std::string& op, const std::string& topic,
                                  const std::string& addr, const std::string& client) {
  return nlohmann::json{{"op", op}, {"topic", topic}, {"addr", addr}, {"client", client}}.dump();
}

catalog_feed_opener redis_catalog_feed_opener(std::string url, std::string name) {
  return [url = std::move(url), name = std::move(name)](std::chrono::steady_clock::time_point deadline)
           -> std::unique_ptr<catalog_feed> {
    return std::make_unique<redis_catalog_feed>(url, name, deadline);
  };
}

} // namespace liner
