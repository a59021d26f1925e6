"""What every token-checking service promises, checked once for all of them on both dialects:
alive, ready (database and bus reachable), metrics served, and no API route answers without a valid token."""

from __future__ import annotations

import importlib

import pytest

from kit_bus.testing import DIALECTS, routes_open_without_token, service_under_test

SERVICES = ["routing_service", "docs_service", "notify_service", "egov_gateway"]


@pytest.fixture(params=[(p, d) for p in SERVICES for d in DIALECTS], ids=lambda p: f"{p[0]}-{p[1]}")
async def service(request, tmp_path):
    package, dialect = request.param
    app_module = importlib.import_module(f"{package}.app")
    settings = importlib.import_module(f"{package}.config").Settings
    async with service_under_test(
        lambda url, bus, verifier: app_module.create_app(
            settings(database_url=url, env="test"), bus=bus, verifier=verifier
        ),
        migrations=importlib.import_module(package).MIGRATIONS,
        dialect=dialect,
        name=package.split("_")[0],
        folder=tmp_path,
    ) as running:
        yield running


async def test_alive_and_ready(service):
    assert (await service.client.get("/healthz")).json()["status"] == "ok"
    ready = await service.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "bus": "ok"}
    metrics = await service.client.get("/metrics")
    assert metrics.status_code == 200
    assert "bus_outbox_backlog" in metrics.text


async def test_every_route_needs_a_token(service):
    assert await routes_open_without_token(service.app, service.client) == []
