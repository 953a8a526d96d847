"""The deployment files validate without a Docker engine or a cluster.

docker-compose.yml through the `docker-compose` binary (``config``), the Dockerfile through
hadolint, deploy/kubernetes through kubernetes-validate for the core kinds and structural checks
for the Strimzi / ECK custom resources (whose CRDs no offline validator knows). The tools are
the dev extras in the venv next to this interpreter; a test skips only if its binary is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
K8S = ROOT / "deploy" / "kubernetes"

APP_SERVICES = ("ingest", "clean", "enrich", "stories", "index", "search")
STAGES = ("clean", "enrich", "stories", "index")
METRICS_PORTS = {"clean": 9101, "enrich": 9102, "index": 9103, "stories": 9105}
# which infrastructure each service must wait for (healthy) before it starts
NEEDS = {
    "ingest": {"kafka"},
    "clean": {"kafka"},
    "enrich": {"kafka"},
    "stories": {"kafka"},
    "index": {"kafka", "elasticsearch"},
    "search": {"elasticsearch"},
}
CORE_KINDS = {"Namespace", "ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler"}
# the data topics get more partitions on Kubernetes than ensure_topics' default, room to scale;
# every other topic keeps its registry settings (shared/topics.py)
DATA_TOPIC_PARTITIONS = {"articles.raw": 12, "articles.clean": 12, "articles.enriched": 12, "articles.storied": 12}


def tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} not installed in {BIN} (pip install -e '.[dev]')")
    return path


def run(args: list[str | Path], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


# --------------------------------------------------------------------------- docker compose


def compose_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    env["NEWSFLOW_INGEST_TOKEN"] = "test-token-not-a-secret"
    env["ELASTIC_PASSWORD"] = "test-password-not-a-secret"
    return env


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    result = run([tool("docker-compose"), "-f", "docker-compose.yml", "config", "--format", "json"],
                 env=compose_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_config_is_valid() -> None:
    result = run([tool("docker-compose"), "-f", "docker-compose.yml", "config", "-q"], env=compose_env())
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_run_without_an_ingest_token() -> None:
    env = compose_env()
    del env["NEWSFLOW_INGEST_TOKEN"]
    result = run([tool("docker-compose"), "-f", "docker-compose.yml", "config", "-q"], env=env)
    assert result.returncode != 0
    assert "NEWSFLOW_INGEST_TOKEN" in result.stderr


def test_compose_has_every_service(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"kafka", "elasticsearch", *APP_SERVICES}
    assert compose["services"]["kafka"]["image"] == "apache/kafka:4.1.1"
    assert compose["services"]["elasticsearch"]["image"] == "docker.elastic.co/elasticsearch/elasticsearch:9.2.0"


@pytest.mark.parametrize("name", [*APP_SERVICES, "kafka", "elasticsearch"])
def test_compose_service_is_healthchecked_restarted_and_limited(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert not service["healthcheck"].get("disable")
    assert service.get("restart") == "unless-stopped"
    assert service["deploy"]["resources"]["limits"]["memory"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["command"] == ["python", "-m", f"services.{name}"]
    assert service["build"]["dockerfile"] == "Dockerfile"
    user = str(service.get("user", ""))
    assert user and user.split(":")[0] not in {"0", "root"}, "app containers must not run as root"
    depends = service.get("depends_on", {})
    assert set(depends) == NEEDS[name]
    for dep in depends.values():
        assert dep["condition"] == "service_healthy"
    assert "backend" in service["networks"]


def test_compose_memory_limits(compose: dict[str, Any]) -> None:
    mib = 1024 * 1024
    expected = {"enrich": 1024, "kafka": 1024, "elasticsearch": 2048,
                "ingest": 512, "clean": 512, "stories": 512, "index": 512, "search": 512}
    for name, limit in expected.items():
        assert int(compose["services"][name]["deploy"]["resources"]["limits"]["memory"]) == limit * mib, name


@pytest.mark.parametrize("name", ["kafka", "elasticsearch"])
def test_compose_infrastructure_is_internal_only(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert not service.get("ports"), f"{name} must publish no host port"
    assert set(service["networks"]) == {"backend"}


def test_compose_elasticsearch_settings(compose: dict[str, Any]) -> None:
    env = compose["services"]["elasticsearch"]["environment"]
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "true"  # issue 14: security on, password from the environment
    assert env["ELASTIC_PASSWORD"] == "test-password-not-a-secret"
    assert "-Xmx1g" in env["ES_JAVA_OPTS"]


def test_compose_kafka_is_kraft_and_reachable_as_kafka_9092(compose: dict[str, Any]) -> None:
    env = compose["services"]["kafka"]["environment"]
    assert "controller" in env["KAFKA_PROCESS_ROLES"]
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    for name in APP_SERVICES:
        if "kafka" in NEEDS[name]:
            assert compose["services"][name]["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


@pytest.mark.parametrize("name", STAGES)
def test_compose_stages_scale(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert "container_name" not in service
    assert not service.get("ports")
    assert set(service["networks"]) == {"backend"}


@pytest.mark.parametrize(("name", "port"), [("ingest", 8001), ("search", 8000)])
def test_compose_http_services_publish_on_loopback_only(compose: dict[str, Any], name: str, port: int) -> None:
    service = compose["services"][name]
    assert [(p["host_ip"], p["published"], p["target"]) for p in service["ports"]] == [("127.0.0.1", str(port), port)]
    assert set(service["networks"]) == {"backend", "frontend"}
    assert "/health" in " ".join(service["healthcheck"]["test"])


def test_compose_networks_and_volumes(compose: dict[str, Any]) -> None:
    assert compose["networks"]["backend"].get("internal") is True
    assert not compose["networks"]["frontend"].get("internal")
    assert {"kafka-data", "es-data"} <= set(compose["volumes"])


def test_no_secret_committed_in_compose() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "${NEWSFLOW_INGEST_TOKEN:?" in text


# --------------------------------------------------------------------------- Dockerfile


def test_hadolint_passes() -> None:
    result = run([tool("hadolint"), "Dockerfile"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_non_root_from_python_slim() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    froms = [line for line in lines if line.startswith("FROM ")]
    assert froms and all(line.split()[1] == "python:3.11-slim" for line in froms)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert any(line.startswith("HEALTHCHECK ") for line in lines)


def test_dockerignore_keeps_local_state_out() -> None:
    entries = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in (".venv", "var", ".git", "test-artifacts", ".bench", "**/__pycache__"):
        assert needed in entries


# --------------------------------------------------------------------------- Kubernetes


def manifests() -> dict[Path, list[dict[str, Any]]]:
    return {
        path: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for docs in manifests().values() for doc in docs if doc["kind"] == kind]


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    assert set(listed) == {path.name for path in manifests()}
    assert kustomization["namespace"] == "newsflow"


def test_core_manifests_validate() -> None:
    files = [path for path, docs in manifests().items() if docs and all(d["kind"] in CORE_KINDS for d in docs)]
    kinds = {doc["kind"] for path in files for doc in manifests()[path]}
    assert kinds == CORE_KINDS, "the core-kind files should cover every core kind used"
    result = run([tool("kubernetes-validate"), "--strict", *files])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_manifest_is_core_or_a_known_custom_resource() -> None:
    custom = {("kafka.strimzi.io/v1beta2", "Kafka"), ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
              ("kafka.strimzi.io/v1beta2", "KafkaTopic"), ("elasticsearch.k8s.elastic.co/v1", "Elasticsearch")}
    for path, docs in manifests().items():
        assert docs, f"{path.name} is empty"
        for doc in docs:
            assert doc["kind"] in CORE_KINDS or (doc["apiVersion"], doc["kind"]) in custom, path.name
            assert doc["metadata"]["name"]


def test_kustomize_build_renders() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed (optional: renders the kustomization)")
    result = run([kubectl, "kustomize", K8S])
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert len(rendered) == sum(len(docs) for docs in manifests().values())


@pytest.mark.parametrize("name", APP_SERVICES)
def test_deployment(name: str) -> None:
    (deployment,) = [d for d in by_kind("Deployment") if d["metadata"]["name"] == name]
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] >= 1
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["command"] == ["python", "-m", f"services.{name}"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]
    assert {"configMapRef": {"name": "newsflow-env"}} in container["envFrom"]
    path = "/health" if name in {"ingest", "search"} else "/metrics"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == path
        assert get["port"] in ports
    if name in STAGES:
        assert ports[container["readinessProbe"]["httpGet"]["port"]] == METRICS_PORTS[name]


def test_ingest_token_comes_from_a_secret_reference() -> None:
    (ingest,) = [d for d in by_kind("Deployment") if d["metadata"]["name"] == "ingest"]
    env = {e["name"]: e for e in ingest["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "value" not in env["NEWSFLOW_INGEST_TOKEN"]
    assert env["NEWSFLOW_INGEST_TOKEN"]["valueFrom"]["secretKeyRef"]["name"]
    assert not by_kind("Secret"), "no Secret is committed; the README says how to create it"


def test_services_for_the_http_apis() -> None:
    services = {s["metadata"]["name"]: s for s in by_kind("Service")}
    assert set(services) == {"ingest", "search"}
    assert services["ingest"]["spec"]["ports"][0]["port"] == 8001
    assert services["search"]["spec"]["ports"][0]["port"] == 8000


def test_stories_runs_exactly_one_worker(compose: dict[str, Any]) -> None:
    """The clustering is one sequential decision over the stream: never two workers, not even in a rollout."""
    (deployment,) = [d for d in by_kind("Deployment") if d["metadata"]["name"] == "stories"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert compose["services"]["stories"]["deploy"]["replicas"] == 1
    assert all(h["spec"]["scaleTargetRef"]["name"] != "stories" for h in by_kind("HorizontalPodAutoscaler"))


def test_enrich_autoscales() -> None:
    (hpa,) = by_kind("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "enrich"}
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    clean_partitions = DATA_TOPIC_PARTITIONS["articles.clean"]
    assert hpa["spec"]["maxReplicas"] <= clean_partitions, "idle consumers beyond the partitions"


def test_configmap_points_at_the_operator_services() -> None:
    (config,) = by_kind("ConfigMap")
    data = config["data"]
    assert all(isinstance(v, str) for v in data.values())
    (kafka,) = by_kind("Kafka")
    (es,) = by_kind("Elasticsearch")
    assert data["KAFKA_BOOTSTRAP_SERVERS"] == f"{kafka['metadata']['name']}-kafka-bootstrap:9092"
    assert data["ELASTICSEARCH_URL"] == f"http://{es['metadata']['name']}-es-http:9200"
    assert es["spec"]["http"]["tls"]["selfSignedCertificate"]["disabled"] is True


def test_strimzi_kafka_is_kraft_with_three_brokers() -> None:
    (kafka,) = by_kind("Kafka")
    (pool,) = by_kind("KafkaNodePool")
    assert kafka["apiVersion"] == pool["apiVersion"] == "kafka.strimzi.io/v1beta2"
    assert "zookeeper" not in kafka["spec"]
    assert kafka["spec"]["kafka"]["listeners"]
    assert "topicOperator" in kafka["spec"]["entityOperator"]
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    assert pool["spec"]["replicas"] == 3
    assert {"broker", "controller"} <= set(pool["spec"]["roles"])
    assert pool["spec"]["storage"]["type"]


def test_kafka_topics_match_the_registry() -> None:
    from shared.topics import ALL

    (kafka,) = by_kind("Kafka")
    topics = {t["spec"]["topicName"]: t for t in by_kind("KafkaTopic")}
    assert set(topics) == {spec.name for spec in ALL}, "a KafkaTopic per registry topic, no more"
    assert {"articles.dead-letter", "newsflow.aliases", "newsflow.feed-state"} <= set(topics)
    for spec in ALL:
        topic = topics[spec.name]
        assert topic["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["spec"]["partitions"] == DATA_TOPIC_PARTITIONS.get(spec.name, spec.partitions)
        assert topic["spec"]["replicas"] == 3
        assert (topic["spec"].get("config", {}).get("cleanup.policy") == "compact") is spec.compacted


def test_eck_elasticsearch() -> None:
    (es,) = by_kind("Elasticsearch")
    assert es["apiVersion"] == "elasticsearch.k8s.elastic.co/v1"
    assert es["spec"]["version"] == "9.2.0"
    assert sum(node_set["count"] for node_set in es["spec"]["nodeSets"]) == 3
