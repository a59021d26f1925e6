"""`kustomize build` for the subset of kustomize that k8s/ uses, so the tests can check what a
cluster would receive without the kustomize binary.

Supported: resources (files and folders), components, namespace, images (newName/newTag),
replicas, and JSON 6902 patches with a kind/name target (the name is a regular expression, as in
kustomize). Any other key fails loudly instead of being ignored, so a kustomization cannot use a
feature whose effect these tests do not see.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]

KUSTOMIZATION_KEYS = {
    "apiVersion",
    "kind",
    "namespace",
    "resources",
    "components",
    "images",
    "replicas",
    "patches",
}
COMPONENT_KEYS = {"apiVersion", "kind", "resources"}
CLUSTER_SCOPED = {"Namespace"}


def load_kustomization(folder: Path) -> Doc:
    data: Doc = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    allowed = COMPONENT_KEYS if data.get("kind") == "Component" else KUSTOMIZATION_KEYS
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"{folder}/kustomization.yaml: not modelled by tests/deploy/kustomize.py: {unknown}")
    return data


def load_documents(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def referenced_paths(folder: Path) -> list[Path]:
    data = load_kustomization(folder)
    return [folder / entry for entry in [*data.get("resources", []), *data.get("components", [])]]


def build(folder: Path) -> list[Doc]:
    data = load_kustomization(folder)
    docs: list[Doc] = []
    for entry in [*data.get("resources", []), *data.get("components", [])]:
        path = folder / entry
        docs.extend(build(path) if path.is_dir() else load_documents(path))
    docs = copy.deepcopy(docs)
    if namespace := data.get("namespace"):
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = namespace
    for image in data.get("images", []):
        for container in (c for doc in docs for c in containers(doc)):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
    for replicas in data.get("replicas", []):
        matched = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == replicas["name"]]
        if not matched:
            raise ValueError(f"{folder}: replicas for unknown Deployment {replicas['name']}")
        for doc in matched:
            doc["spec"]["replicas"] = replicas["count"]
    for patch in data.get("patches", []):
        target = patch["target"]
        matched = [
            d
            for d in docs
            if d["kind"] == target["kind"] and re.fullmatch(target["name"], d["metadata"]["name"])
        ]
        if not matched:
            raise ValueError(f"{folder}: patch target {target} matches nothing")
        for doc in matched:
            for operation in yaml.safe_load(patch["patch"]):
                apply_json6902(doc, operation)
    return docs


def apply_json6902(doc: Doc, operation: Doc) -> None:
    if operation["op"] not in ("add", "replace"):
        raise ValueError(f"JSON patch op {operation['op']} not modelled")
    *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in operation["path"].split("/")[1:]]
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        if last == "-":
            node.append(operation["value"])
        elif operation["op"] == "add":
            node.insert(int(last), operation["value"])
        else:
            node[int(last)] = operation["value"]
        return
    if operation["op"] == "replace" and last not in node:
        raise ValueError(f"JSON patch replace of missing {operation['path']}")
    node[last] = operation["value"]


def pod_spec(doc: Doc) -> Doc | None:
    if doc["kind"] in ("Deployment", "Job"):
        spec: Doc = doc["spec"]["template"]["spec"]
        return spec
    return None


def containers(doc: Doc) -> list[Doc]:
    spec = pod_spec(doc)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec["containers"]]
