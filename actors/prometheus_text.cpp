#include "actors/prometheus_text.hpp"

namespace liner {

namespace {

using json = nlohmann::ordered_json;

struct family {
  const char* name;
  const char* type; // counter or gauge
  const char* help;
  const char* field; // a JSON pointer into the client's (or the route's) object
};

// Every field of stats_json but the names and lists (docs/cpp-api.md, "Metrics").
const family client_families[] = {
  {"liner_client_running", "gauge", "1 while the client runs", "/running"},
  {"liner_sent_messages_total", "counter", "Messages accepted for sending (one per copy)",
   "/sent/messages"},
  {"liner_sent_bytes_total", "counter", "Payload bytes accepted for sending", "/sent/bytes"},
  {"liner_delivered_messages_total", "counter", "Messages handed to the receive callback",
   "/delivered/messages"},
  {"liner_delivered_bytes_total", "counter", "Payload bytes handed to the receive callback",
   "/delivered/bytes"},
  {"liner_refused_busy_total", "counter", "Sends refused with LNR_ERR_BUSY", "/refused_busy"},
  {"liner_alo_unacked", "gauge", "At-least-once messages in memory waiting for an ack",
   "/alo_unacked"},
  {"liner_store_requests_total", "counter", "Store requests served", "/store/requests"},
  {"liner_store_failures_total", "counter", "Store requests that failed", "/store/failures"},
  {"liner_store_request_avg_microseconds", "gauge", "Average time the store actor took per request",
   "/store/avg_us"},
  {"liner_store_request_max_microseconds", "gauge", "Longest time the store actor took for a request",
   "/store/max_us"},
};

const family route_families[] = {
  {"liner_route_connected", "gauge", "1 while the route's stream is up", "/connected"},
  {"liner_route_sent_messages_total", "counter", "Messages accepted for sending on the route",
   "/sent_messages"},
  {"liner_route_sent_bytes_total", "counter", "Payload bytes accepted for sending on the route",
   "/sent_bytes"},
  {"liner_route_queued", "gauge", "Messages queued on the route, not yet written", "/queued"},
  {"liner_route_alo_unacked", "gauge", "At-least-once messages of the route waiting for an ack",
   "/alo_unacked"},
  {"liner_route_acked", "gauge", "Highest message number the listener acked", "/acked"},
  {"liner_route_refused_busy_total", "counter", "Sends refused with LNR_ERR_BUSY on the route",
   "/refused_busy"},
  {"liner_route_connects_total", "counter", "Streams established", "/connects"},
  {"liner_route_reconnects_total", "counter", "Connect attempts after the route's first",
   "/reconnects"},
};

std::string value_of(const json& object, const char* field) {
  const auto& v = object.at(json::json_pointer(field));
  if (v.is_boolean())
    return v.get<bool>() ? "1" : "0";
  return v.dump();
}

std::string label(const char* name, const std::string& value) {
  return std::string(name) + "=\"" + prometheus_label_value(value) + "\"";
}

void header(std::string& out, const family& f) {
  out += std::string("# HELP ") + f.name + " " + f.help + "\n";
  out += std::string("# TYPE ") + f.name + " " + f.type + "\n";
}

} // namespace

std::string prometheus_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string prometheus_text(const std::vector<json>& clients) {
  std::string out;
  for (auto& f : client_families) {
    header(out, f);
    for (auto& c : clients)
      out += std::string(f.name) + "{" + label("client", c.at("client").get<std::string>()) + "} "
             + value_of(c, f.field) + "\n";
  }
  for (auto& f : route_families) {
    header(out, f);
    for (auto& c : clients) {
      auto client = label("client", c.at("client").get<std::string>());
      for (auto& r : c.at("routes")) {
        auto labels = client + "," + label("listener", r.at("listener").get<std::string>());
        if (r.value("relay", false))
          labels += ",relay=\"true\"";
        out += std::string(f.name) + "{" + labels + "} " + value_of(r, f.field) + "\n";
      }
    }
  }
  return out;
}

} // namespace liner
