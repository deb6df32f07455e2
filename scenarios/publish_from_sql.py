"""publish_from_sql: an application table `orders` gets a trigger that
publishes every inserted row with liner.publish; two peers run (either may
relay a row, exactly one does). A committed transaction of 3 rows, a rolled
back one of 2 rows, then one INSERT of 200 rows: the subscriber gets the 203
committed rows once each, from "liner.publish", and nothing of the rollback;
the outbox ends empty. PostgreSQL only (on SQLite there is nothing to do)."""

from scenarios.harness import eventually

TIME_LIMIT = 90

TRIGGER = """
CREATE TABLE orders (id bigserial PRIMARY KEY, item text NOT NULL);
CREATE FUNCTION orders_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM liner.publish('orders', 'order ' || NEW.id || ': ' || NEW.item);
  RETURN NEW;
END $$;
CREATE TRIGGER orders_published AFTER INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_published();
"""


def run(mesh):
    store = mesh.store
    if store.kind != "postgres":
        mesh.tally.notes = "PostgreSQL only"
        return
    # The peers create the mesh's tables and functions; the application's
    # table and trigger come after (liner.publish must exist).
    audit = mesh.peer("audit", "AUDIT")
    shop = mesh.peer("shop", "SHOP")
    audit.command("subscribe", topic="orders")
    store.sql(TRIGGER)
    store.sql("BEGIN; INSERT INTO orders (item) VALUES ('tea'), ('cake'), ('jam'); COMMIT;")
    store.sql("BEGIN; INSERT INTO orders (item) VALUES ('lost'), ('gone'); ROLLBACK;")
    store.sql("INSERT INTO orders (item) SELECT 'bulk ' || i FROM generate_series(1, 200) i")
    ids = [int(x) for x in store.sql("SELECT id FROM orders ORDER BY id").split()]
    items = store.sql("SELECT item FROM orders ORDER BY id").splitlines()
    expected = ["order %d: %s" % (i, item) for i, item in zip(ids, items)]
    mesh.tally.require(len(expected) == 203, "orders holds %d rows, not 203" % len(expected))
    audit.wait_received(len(expected))
    eventually(lambda: store.sql("SELECT count(*) FROM liner_outbox") == "0",
               "the outbox draining")
    # Two clients relay, each over its own routes: rows of different relays
    # may arrive in any order (docs/publish-from-sql.md).
    mesh.tally.check(audit, "liner.publish", expected, ordered=False)
    mesh.tally.require(not any("lost" in d or "gone" in d for _, d in audit.received),
                       "a rolled back row was published")
    mesh.tally.require(not shop.received, "shop received %d messages" % len(shop.received))
    mesh.check_no_crash()
