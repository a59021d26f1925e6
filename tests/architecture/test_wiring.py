"""The event wiring declared in kit_contracts.wiring (and shown in asyncapi.json) is the wiring
the code has: what each service's handlers consume, and what its sources put in the outbox."""

from __future__ import annotations

import ast
import importlib

import pytest

from kit_contracts import EVENTS
from kit_contracts.wiring import CONSUMED_BY, PRODUCED_BY
from tests.support import ROOT

SERVICES = {
    "identity-service": "identity_service",
    "routing-service": "routing_service",
    "docs-service": "docs_service",
    "notify-service": "notify_service",
    "egov-gateway": "egov_gateway",
}
EVENT_NAMES = {event.__name__: event for event in EVENTS}


def produced_by(dist: str) -> set[type]:
    """Event classes constructed as an argument of outbox.add(...) / outbox.add_many(...)."""
    found: set[type] = set()
    for path in (ROOT / "services" / dist / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("add", "add_many")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "outbox"
            ):
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Name)
                        and inner.func.id in EVENT_NAMES
                    ):
                        found.add(EVENT_NAMES[inner.func.id])
    return found


@pytest.mark.parametrize("dist", SERVICES)
def test_declared_consumers_are_the_handlers(dist):
    app = importlib.import_module(f"{SERVICES[dist]}.app").create_app()
    handled = set(app.state.event_handlers)
    declared = {event for event, services in CONSUMED_BY.items() if dist in services}
    assert handled == declared


@pytest.mark.parametrize("dist", SERVICES)
def test_declared_producers_are_the_outbox_writers(dist):
    declared = {event for event, services in PRODUCED_BY.items() if dist in services}
    assert produced_by(dist) == declared


def test_every_contract_is_wired_or_says_why_not():
    for event in EVENTS:
        assert event in PRODUCED_BY
        assert event in CONSUMED_BY
