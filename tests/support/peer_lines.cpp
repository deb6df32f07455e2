#include "support/peer_lines.hpp"

#include <gtest/gtest.h>

namespace liner::test {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string dump(const peer_process& p) {
  std::string out;
  for (auto& l : p.lines())
    out += "  " + l + "\n";
  return out;
}

std::string dump_without_recv(const peer_process& p) {
  std::string out;
  std::size_t recv = 0;
  for (auto& l : p.lines())
    if (starts_with(l, "recv "))
      ++recv;
    else
      out += "  " + l + "\n";
  return out + "  (" + std::to_string(recv) + " recv lines)\n";
}

std::unique_ptr<peer_process> start_until_ready(const std::string& name,
                                                const std::vector<std::string>& argv,
                                                const std::vector<std::string>& env) {
  auto p = std::make_unique<peer_process>(argv, env);
  if (!p->wait_for_prefix("ready 127.0.0.1:")) {
    ADD_FAILURE() << name << " did not get ready; output:\n" << dump(*p);
    return nullptr;
  }
  return p;
}

std::string command(peer_process& p, const std::string& line) {
  if (!p.send_line(line))
    return "(cannot write to the peer)";
  auto answer = p.wait_for_line([](const std::string& l) {
    return l == "ok" || starts_with(l, "ok ") || starts_with(l, "err ");
  });
  if (answer)
    return *answer;
  return p.eof() ? "(the peer ended without answering '" + line + "')"
                 : "(no answer to '" + line + "' within 20 s)";
}

std::optional<std::string> seen_or_wait(peer_process& p,
                                        const std::function<bool(const std::string&)>& pred,
                                        std::chrono::milliseconds timeout) {
  for (auto& l : p.lines())
    if (pred(l))
      return l;
  return p.wait_for_line(pred, timeout);
}

bool has_line(peer_process& p, const std::string& exact, std::chrono::milliseconds timeout) {
  return seen_or_wait(p, [&](const std::string& l) { return l == exact; }, timeout).has_value();
}

std::string recv_head(const std::string& to, const std::string& from, const std::string& prefix) {
  return "recv to=" + to + " from=" + from + " data=" + prefix;
}

bool wait_received(peer_process& p, const std::string& to, const std::string& from,
                   const std::string& prefix, std::set<long> expected,
                   std::chrono::milliseconds timeout) {
  const std::string head = recv_head(to, from, prefix);
  auto note = [&](const std::string& l) {
    if (starts_with(l, head))
      expected.erase(std::stol(l.substr(head.size())));
  };
  for (auto& l : p.lines())
    note(l);
  auto deadline = peer_process::clock::now() + timeout;
  while (!expected.empty()) {
    auto l = p.next_line(deadline);
    if (!l)
      return false;
    note(*l);
  }
  return true;
}

std::vector<long> received(const std::vector<std::string>& lines, const std::string& to,
                           const std::string& from, const std::string& prefix) {
  const std::string head = recv_head(to, from, prefix);
  std::vector<long> out;
  for (auto& l : lines)
    if (starts_with(l, head))
      out.push_back(std::stol(l.substr(head.size())));
  return out;
}

std::size_t count_received(const peer_process& p, const std::string& to,
                           const std::string& from, const std::string& prefix) {
  const std::string head = recv_head(to, from, prefix);
  std::size_t n = 0;
  for (auto& l : p.lines())
    n += starts_with(l, head);
  return n;
}

std::set<long> range(long n) {
  std::set<long> out;
  for (long i = 0; i < n; ++i)
    out.insert(i);
  return out;
}

} // namespace liner::test
