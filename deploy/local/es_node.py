"""One Elasticsearch node, alone (single-node discovery) or one of a cluster.

In a cluster the first node is master-eligible and holds data; the others hold data only,
so losing a data node leaves the master (and the primaries it promotes) in place. Each node
has its own home (hard-linked to the unpacked one, its config its own), data, logs and ports.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from infra_base import (ES_HEAP, ES_PORT, ES_TIMEOUT, ES_TRANSPORT_PORT, ES_USER, ES_VERSION, HOST, VAR, Component,
                        InfraError, is_root, open_log, pid_alive, port_open, say, tail)
from infra_install import es_java_home, es_user, install_es_home, linked_copy, user_can_traverse


class Elasticsearch(Component):
    def __init__(self, name: str = "elasticsearch", port: int = ES_PORT, transport_port: int = ES_TRANSPORT_PORT,
                 seeds: list[tuple[str, int]] | None = None, master: str | None = None, heap: str = ES_HEAP,
                 expect_nodes: int = 1) -> None:
        self.name, self.port, self.transport_port, self.timeout = name, port, transport_port, float(ES_TIMEOUT)
        self.seeds = seeds  # (node name, transport port) of every node; None: single-node discovery
        self.master = master  # the master-eligible node's name in a cluster
        self.heap, self.expect_nodes = heap, expect_nodes
        self._base: Path | None = None
        self._retried_map_count = False

    # --- layout -----------------------------------------------------------
    @property
    def base(self) -> Path:
        """Where ES home/data/logs live: VAR, or /var/tmp/newsflow-<hash> if ES's user can't reach VAR."""
        if self._base is None:
            self._base = VAR
            user = es_user()
            if user is not None:
                VAR.mkdir(parents=True, exist_ok=True)
                if not user_can_traverse(user, VAR):
                    h = hashlib.sha1(str(VAR).encode()).hexdigest()[:10]
                    self._base = Path("/var/tmp") / f"newsflow-{h}"
                    say(f"elasticsearch: user {ES_USER} cannot traverse {VAR}; "
                        f"using {self._base} for its home/data/logs instead")
        return self._base

    @property
    def shared_home(self) -> Path:
        return self.base / "infra" / f"elasticsearch-{ES_VERSION}"

    @property
    def home(self) -> Path:
        lone = self.name == "elasticsearch"
        return self.shared_home if lone else self.shared_home.with_name(f"elasticsearch-{ES_VERSION}-{self.name}")

    @property
    def data(self) -> Path:
        return self.base / "data" / self.name

    @property
    def es_logs(self) -> Path:
        return self.base / "log" / self.name

    @property
    def tmp(self) -> Path:
        return self.base / "tmp" / self.name

    def find_java(self) -> tuple[Path, str]:
        return es_java_home()

    def extra_ports(self) -> list[int]:
        return [self.transport_port]

    def markers(self) -> list[str]:
        return [f"-Des.path.home={self.home} "]  # the space: another node's home starts with this one's

    # --- health -----------------------------------------------------------
    def probe(self) -> tuple[bool, str]:
        if not port_open(self.port):
            return False, f"port {self.port} closed"
        url = f"http://{HOST}:{self.port}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                body = json.loads(r.read())
                st, nodes = body.get("status"), body.get("number_of_nodes", 0)
                return (r.status == 200 and st in ("green", "yellow") and nodes >= self.expect_nodes,
                        f"cluster {body.get('cluster_name')} status {st}, {nodes} node(s)")
        except urllib.error.HTTPError as e:
            try:
                st = json.loads(e.read()).get("status")
            except Exception:  # noqa: BLE001
                st = None
            return False, f"HTTP {e.code}" + (f" status {st}" if st else "")
        except (OSError, ValueError) as e:
            return False, f"{type(e).__name__}: {e}"

    # --- install ----------------------------------------------------------
    def install(self) -> None:
        install_es_home(self.shared_home)
        if self.home != self.shared_home:
            linked_copy(self.shared_home, self.home)
        for d in (self.data, self.es_logs, self.tmp):
            d.mkdir(parents=True, exist_ok=True)
        self.write_config()
        user = es_user()
        if user is not None:
            for d in (self.home, self.data, self.es_logs, self.tmp):
                if d.stat().st_uid != user.pw_uid or d == self.home:
                    subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(d)], check=True)
            # the user must be able to reach the dirs (parents may be root-owned 0700 by umask)
            for d in {self.home.parent, self.data.parent, self.es_logs.parent, self.tmp.parent, self.base}:
                os.chmod(d, os.stat(d).st_mode | 0o005)

    def write_config(self) -> None:
        cfg: dict[str, Any] = {
            "cluster.name": "newsflow" if self.seeds is None else "newsflow-cluster",
            "node.name": "local" if self.seeds is None else self.name,
            "network.host": HOST,
            "http.port": self.port,
            "transport.port": self.transport_port,
            "path.data": str(self.data),
            "path.logs": str(self.es_logs),
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
        }
        if self.seeds is None:
            cfg["discovery.type"] = "single-node"
        else:
            cfg["discovery.seed_hosts"] = [f"{HOST}:{p}" for _, p in self.seeds]
            cfg["cluster.initial_master_nodes"] = [self.master]
            cfg["node.roles"] = ["master", "data", "ingest"] if self.name == self.master else ["data", "ingest"]
        if (self.home / "modules" / "x-pack-security").is_dir():
            # The 9.x integ-test-zip ships x-pack-core + x-pack-security. Left enabled, the first
            # start auto-configures TLS + auth (HTTP then only speaks https), so switch it off for
            # this local, loopback-only node. (On a zip without x-pack the setting would be
            # unknown and fatal, hence the check.)
            cfg["xpack.security.enabled"] = False
        path = self.home / "config" / "elasticsearch.yml"
        path.unlink(missing_ok=True)  # never write through a hard link shared with another node
        path.write_text("# generated by deploy/local/es_node.py on every start; edits are overwritten\n"
                        + "".join(f"{k}: {json.dumps(v)}\n" for k, v in cfg.items()))

    # --- run --------------------------------------------------------------
    def launch(self) -> subprocess.Popen[bytes]:
        java_home, desc = self.java
        user = es_user()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "JAVA_", "_JAVA"))}
        env.update({
            "ES_JAVA_HOME": str(java_home),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
            "ES_TMPDIR": str(self.tmp),
            "ES_PATH_CONF": str(self.home / "config"),
        })
        kw: dict[str, Any] = {}
        if user is not None:
            env.update({"HOME": str(self.base), "USER": user.pw_name, "LOGNAME": user.pw_name})
            kw = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        say(f"{self.name}: starting on {HOST}:{self.port} (transport {self.transport_port}), heap {self.heap}, "
            f"java {desc}" + (f", as user {user.pw_name}" if user else ""))
        log = open_log(self.logfile, self.name)
        try:
            return subprocess.Popen([str(self.home / "bin" / "elasticsearch")], cwd=self.home, env=env,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, **kw)
        finally:
            log.close()

    def wait_healthy(self, pid: int, t0: float) -> None:
        try:
            super().wait_healthy(pid, t0)
        except InfraError:
            # Production-mode bootstrap check: fix it once when we can, then retry.
            if (not self._retried_map_count and not pid_alive(pid) and is_root()
                    and "vm.max_map_count" in tail(self.logfile, 200)):
                self._retried_map_count = True
                say("elasticsearch: failed on vm.max_map_count; running sysctl -w vm.max_map_count=262144 "
                    "and retrying")
                subprocess.run(["sysctl", "-w", "vm.max_map_count=262144"], check=False)
                proc = self.launch()
                self.pidfile.write_text(f"{proc.pid}\n")
                return super().wait_healthy(proc.pid, time.monotonic())
            raise
