"""A lab of "hosts" (network namespaces) for the network scenarios: a thin
wrapper of scripts/netlab. Root only.

    with Lab(["a", "b", "db"], nat="n", forwards=[7000]) as lab:
        a = lab.host("a")                 # a.addr == "198.18.0.2"
        subprocess.run(a.wrap(["ip", "-br", "addr"]))
        lab.partition("a", "b")           # both directions
        lab.heal()

The lab is removed (every namespace it made, with its veths and iptables
rules) when the `with` block ends, however it ends (Ctrl-C included).
`network(mesh, ...)` also starts the scenario's PostgreSQL in the db host
and stops it, and the mesh's peers, before the lab goes down."""

import contextlib
import os
import shutil
import subprocess
import uuid
from typing import Dict, Iterable, List, Optional, Tuple

from scenarios.liner_import import REPO

NETLAB = os.path.join(REPO, "scripts", "netlab")
SWITCH_ADDR = "198.18.0.1"  # the address the NAT host's port forwards are on


class NetlabError(Exception):
    """scripts/netlab failed."""


def available() -> Tuple[bool, str]:
    """Whether a lab can be made here, and if not, why (for a skip)."""
    if os.geteuid() != 0:
        return False, "needs root (network namespaces, iptables)"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return False, "the %s command is missing" % tool
    name = "nlprobe" + uuid.uuid4().hex[:6]
    try:
        r = subprocess.run(["ip", "netns", "add", name], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        if r.returncode != 0:
            return False, "ip netns does not work: %s" % r.stderr.strip()
    finally:
        subprocess.run(["ip", "netns", "del", name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
    return True, ""


def _netlab(*args: str, timeout: float = 60) -> str:
    r = subprocess.run([NETLAB] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        raise NetlabError("scripts/netlab %s failed (%d): %s"
                          % (" ".join(args), r.returncode, r.stderr.strip()[-500:]))
    return r.stdout.strip()


class Host:
    """One host of a lab: its namespace `ns` and its address `addr`."""

    def __init__(self, lab: "Lab", name: str, addr: str):
        self.lab, self.name, self.addr = lab, name, addr
        self.ns = "%s-%s" % (lab.name, name)

    def wrap(self, cmd: List[str]) -> List[str]:
        """The command, run inside this host's namespace."""
        return ["ip", "netns", "exec", self.ns] + list(cmd)

    def __repr__(self) -> str:
        return "Host(%s, %s)" % (self.name, self.addr)


class Lab:
    """A lab of hosts (scripts/netlab up), removed by down() or at the end
    of a `with` block. `nat` names the NAT host, `forwards` the ports of
    198.18.0.1 that go to it (the same port there)."""

    def __init__(self, hosts: Iterable[str], nat: Optional[str] = None,
                 forwards: Iterable[int] = (), name: Optional[str] = None):
        self.name = name or "nl" + uuid.uuid4().hex[:6]  # at most 8 characters
        self.hosts_wanted = list(hosts)
        self.nat = nat
        self.forwards = list(forwards)
        self.hosts: Dict[str, Host] = {}
        self.switch_addr = SWITCH_ADDR

    def up(self) -> "Lab":
        args = ["up", self.name] + self.hosts_wanted
        if self.nat:
            args += ["--nat", self.nat]
        for port in self.forwards:
            args += ["--forward", str(port)]
        try:
            _netlab(*args, timeout=120)
            for h in self.hosts_wanted + ([self.nat] if self.nat else []):
                self.hosts[h] = Host(self, h, _netlab("addr", self.name, h))
        except BaseException:
            self.down()
            raise
        return self

    def down(self) -> None:
        """Removes everything the lab made; idempotent."""
        _netlab("down", self.name, timeout=120)

    def __enter__(self) -> "Lab":
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    def host(self, name: str) -> Host:
        return self.hosts[name]

    def partition(self, a: str, b: str, oneway: bool = False) -> None:
        """Drops the packets between a and b (only a -> b with oneway)."""
        _netlab("partition", self.name, a, b, *(["--oneway"] if oneway else []))

    def heal(self, a: Optional[str] = None, b: Optional[str] = None) -> None:
        """Removes the partitions between a and b, or all of them."""
        _netlab("heal", self.name, *([a, b] if a else []))

    def link_down(self, host: str) -> None:
        _netlab("link-down", self.name, host)

    def link_up(self, host: str) -> None:
        _netlab("link-up", self.name, host)

    def status(self) -> str:
        return _netlab("status", self.name)


@contextlib.contextmanager
def network(mesh, hosts: Iterable[str], db: str = "db", nat: Optional[str] = None,
            forwards: Iterable[int] = ()):
    """A lab with a db host whose private PostgreSQL becomes the mesh's
    store; yields the lab. At the end, however it ends: the peers are
    killed, the server removed, the lab taken down (in that order)."""
    from scenarios.harness import PrivatePostgres  # (harness imports nothing of this)

    lab = Lab(list(hosts) + [db], nat=nat, forwards=forwards)
    server = None
    with lab:
        try:
            server = PrivatePostgres(host=lab.host(db))
            server.start()
            mesh.store = server
            yield lab
        finally:
            mesh.close()
            if server is not None:
                server.destroy()


# -- checks shared by the network scenarios ------------------------------------------


def arrived(peers, sender_topic: str, wanted) -> set:
    """The payloads of `wanted` that reached any of `peers` from sender_topic."""
    return {d for p in peers for frm, d in p.received if frm == sender_topic and d in wanted}


def wait_all(peers, sender_topic: str, expected: List[str], timeout: float) -> bool:
    """Waits (on the peers' events) until every payload of `expected` has
    reached one of `peers`; False if not within `timeout`. Each arrival is
    looked at once (streams of thousands)."""
    from scenarios.harness import ScenarioError, eventually

    missing = set(expected)
    cursors = [0] * len(peers)

    def done(_=None) -> bool:
        for i, p in enumerate(peers):
            got = p.received[cursors[i]:]
            cursors[i] += len(got)
            missing.difference_update(d for frm, d in got if frm == sender_topic)
        return not missing

    try:
        if len(peers) == 1:
            peers[0].wait_for(done, "all %d from %s" % (len(expected), sender_topic), timeout)
        else:  # several receivers: no single peer's events announce it
            eventually(done, "all %d from %s" % (len(expected), sender_topic), timeout)
        return True
    except ScenarioError:
        return False


def check_stream(tally, peers, sender_topic: str, expected: List[str], what: str,
                 max_duplicates: Optional[int] = None) -> int:
    """One at-least-once stream over one or more receivers (runs, or the
    listeners of a topic): nothing lost; first copies in sending order
    (within each receiver); duplicates counted, and a problem only above
    max_duplicates (None: any number allowed). Returns the duplicates."""
    wanted = set(expected)
    position = {e: i for i, e in enumerate(expected)}
    seen: set = set()
    dups = reordered = 0
    for p in peers:
        firsts = []
        for frm, d in p.received:
            if frm != sender_topic or d not in wanted:
                continue
            if d in seen:
                dups += 1
                continue
            seen.add(d)
            firsts.append(position[d])
        reordered += sum(1 for a, b in zip(firsts, firsts[1:]) if b < a)
    lost = [e for e in expected if e not in seen]
    tally.messages += len(expected)
    tally.lost += len(lost)
    tally.duplicates += dups
    tally.reordered += reordered
    tally.require(not lost, "%s: %d of %d lost (first %s)"
                  % (what, len(lost), len(expected), lost[0] if lost else ""))
    tally.require(not reordered, "%s: %d out of order" % (what, reordered))
    tally.require(max_duplicates is None or dups <= max_duplicates,
                  "%s: %d duplicates, more than the %s allowed"
                  % (what, dups, max_duplicates))
    return dups
