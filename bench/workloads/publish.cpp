// Publishing from SQL: rows written with liner_publish in one transaction,
// relayed into the mesh by the running clients, counted at the receiver.
#include "../workload.hpp"
#include "../pg_schema.hpp"

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace bench {

namespace {

// What B received: rows carry int8send(i) (8 bytes, big-endian), i in
// 1..count for the burst, negative for the single-row probes.
struct rows_seen {
  explicit rows_seen(uint64_t count) : seen(count + 1) {}
  std::vector<std::atomic<uint8_t>> seen;
  std::atomic<uint64_t> fresh{0}, duplicates{0};
  std::atomic<int64_t> probe{0}; // the probe waited for
  uint64_t target = 0;
  clock::time_point last;
  event done, probe_arrived;

  void on_message(const char* data, std::size_t size) {
    if (size != 8)
      return;
    int64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v = (v << 8) | static_cast<unsigned char>(data[i]);
    if (v < 0) {
      if (v == probe.load())
        probe_arrived.set();
      return;
    }
    if (v == 0 || static_cast<uint64_t>(v) >= seen.size())
      return;
    if (seen[v].exchange(1) != 0) {
      ++duplicates;
      return;
    }
    if (++fresh == target) {
      last = clock::now();
      done.set();
    }
  }
};

double ms_since(clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
}

} // namespace

run_result publish(session& s) {
  const run_spec& spec = s.spec();
  if (spec.store.kind != "postgres")
    throw unsupported("publish needs PostgreSQL (--store postgres)");
  std::string t = s.topic("B");
  auto& b = s.create("B");
  auto& seen = s.hold<rows_seen>(spec.count);
  seen.target = spec.count;
  run_or_throw(b, [&seen](std::string_view, std::string_view, const char* data, std::size_t size) {
    seen.on_message(data, size);
  }, "B");
  // The other relaying clients (B relays too).
  for (unsigned i = 1; i < std::max(1u, spec.peers); ++i)
    run_or_throw(s.create("R" + std::to_string(i)), ignoring(), "R" + std::to_string(i));
  pg_connection sql{spec.store.location};
  try {
    sql.exec("SELECT 'liner_publish(text,bytea,jsonb)'::regprocedure");
  } catch (const std::exception&) {
    throw unsupported("no liner_publish in the mesh's schema (publishing from SQL is liner-caf's)");
  }
  run_result r;
  // Single rows: commit to arrival, one at a time.
  std::vector<double> single_ms;
  for (int k = 1; k <= 20; ++k) {
    seen.probe = -k;
    auto t0 = clock::now();
    sql.exec("SELECT liner_publish('" + t + "', int8send(" + std::to_string(-k) + "))");
    if (!seen.probe_arrived.wait_and_clear(s.idle())) {
      r.lost(1, "a single published row never arrived");
      return r;
    }
    single_ms.push_back(ms_since(t0));
  }
  median_and_max(r, "single", single_ms);
  // The burst: count rows in one transaction.
  auto t0 = clock::now();
  sql.exec("SELECT count(liner_publish('" + t + "', int8send(i))) FROM generate_series(1, "
             + std::to_string(spec.count) + ") i");
  auto committed = clock::now();
  bool all = seen.done.wait_and_clear(s.idle() + std::chrono::seconds(spec.count / 1000));
  double relay_s = std::chrono::duration<double>((all ? seen.last : clock::now()) - committed).count();
  r.figure("rows_per_s", all && relay_s > 0 ? spec.count / relay_s : 0);
  r.figure("commit_ms", std::chrono::duration<double, std::milli>(committed - t0).count());
  r.count("rows", static_cast<int64_t>(spec.count));
  r.count("received", static_cast<int64_t>(seen.fresh.load()));
  r.count("duplicates", static_cast<int64_t>(seen.duplicates.load()));
  if (!all)
    r.lost(static_cast<int64_t>(spec.count - seen.fresh.load()), "published rows never arrived");
  return r;
}

} // namespace bench
