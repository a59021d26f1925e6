"""One ASGI app in front of the five services, routing as the nginx gateway does.

Mounted apps' lifespans never run on their own, so the host enters each one and hands every
request the state of the service it belongs to. ``/<service>/…`` reaches a service's own
``/healthz``, ``/readyz``, ``/metrics`` and ``/docs``.

The stand-ins for what cannot exist here run in the same process, as honest protocol peers: the
national axis sandbox (``/axis-sandbox/…``; egov-gateway reaches it through the host) and the SMS
provider simulator (``/sms-simulator/…``; notify-service's SMS router sends to it through the host,
and its delivery receipts come back to notify's receipts endpoint the same way). E-mail goes to
``.eml`` files under ``<var>/mail``.

egov-gateway reads and stores file contents in docs-service as identity's service client
``egov-gateway`` (ensured at every start with a fresh random secret), reaching docs directly and
identity through this host.

Every service checks access tokens itself, as in distributed mode: each gets a ``JwksVerifier``
with its own settings' issuer and audience, whose HTTP client's transport is this host, so the
JWKS comes from identity-service in-process by the same path a client would use
(``/.well-known/jwks.json``). Settings that disagree with identity's stop the start.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from egov_gateway.sandbox.app import create_sandbox_app
from egov_gateway.sandbox.config import SandboxConfig
from identity_service.client.service import clients as client_service
from identity_service.dependencies import Context as IdentityContext
from identity_service.user.seed import DemoSeed, seed_demo_users
from kit_bus import LocalBus
from kit_core import JwksVerifier, ServiceSettings, get_logger, problem_response
from kit_db import upgrade
from notify_service.sms.settings import SmsProviderConfig, SmsSettings, open_sms_router
from notify_service.sms.simulator.app import create_simulator
from notify_service.sms.simulator.matching import config_matching

from .services import SERVICES, ServiceSpec, owns, settings_for

log = get_logger(__name__)
IN_PROCESS: Final = "http://embedded-host.invalid"  # never resolved: the transport is the host itself
JWKS_PATH: Final = "/.well-known/jwks.json"
SANDBOX_PREFIX: Final = "/axis-sandbox"
SMS_PREFIX: Final = "/sms-simulator"


def sms_settings() -> SmsSettings:
    """The simulator's two protocols as notify's providers, reached in-process through the host."""
    return SmsSettings(
        providers=[
            SmsProviderConfig(
                name="sim-generic", kind="generic", base_url=f"{IN_PROCESS}{SMS_PREFIX}/generic"
            ),
            SmsProviderConfig(
                name="sim-brandname", kind="brandname", base_url=f"{IN_PROCESS}{SMS_PREFIX}/brandname"
            ),
        ]
    )


def sandbox_config() -> SandboxConfig:
    """The axis sandbox's settings: ``EMBEDDED_AXIS_ACK_DELAY`` is the seconds its central agencies
    wait before each of their answers 01, 03, 05, 06 (default: the sandbox's own; tests shorten it)."""
    delay = os.environ.get("EMBEDDED_AXIS_ACK_DELAY")
    if delay is None:
        return SandboxConfig()
    wrong = ValueError(f"EMBEDDED_AXIS_ACK_DELAY={delay!r}: give seconds between 0 and 3600")
    try:
        seconds = float(delay)
    except ValueError:
        raise wrong from None
    if not 0 <= seconds <= 3600:
        raise wrong
    return SandboxConfig(ack_delays=(seconds,) * len(SandboxConfig.ack_delays))


class TokenSettingsMismatch(ValueError):
    pass


def check_token_settings(spec: ServiceSpec, settings: ServiceSettings, identity: ServiceSettings) -> None:
    """A service that expects another issuer or audience than identity's would refuse every token."""
    prefix = str(spec.settings.model_config.get("env_prefix", ""))
    for name in ("jwt_issuer", "jwt_audience"):
        mine, theirs = getattr(settings, name), getattr(identity, name)
        if mine != theirs:
            raise TokenSettingsMismatch(
                f"{prefix}{name.upper()}={mine!r} but IDENTITY_{name.upper()}={theirs!r}: "
                f"{spec.short} would refuse every token identity issues; set both to the same value"
            )


class Host:
    def __init__(self, *, var_dir: Path, seed: bool = True) -> None:
        self.var_dir = var_dir
        self.seed = seed
        self.bus = LocalBus()
        self.apps: dict[str, FastAPI] = {}
        self.peers: dict[str, FastAPI] = {}  # the stand-ins: prefix → app
        self.states: dict[str, dict[str, Any]] = {}
        self.specs: dict[str, ServiceSpec] = {spec.short: spec for spec in SERVICES}
        self.demo_logins: DemoSeed | None = None

    def migrate(self) -> None:
        for spec in SERVICES:
            settings = settings_for(spec, self.var_dir)
            upgrade(settings.database_url.get_secret_value(), spec.migrations)
            log.info("embedded.migrated", service=spec.short)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Host]:
        await self.bus.start()
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(self.bus.stop)
            all_settings = {spec.short: settings_for(spec, self.var_dir) for spec in SERVICES}
            for spec in SERVICES:  # before any service starts
                check_token_settings(spec, all_settings[spec.short], all_settings["identity"])
            jwks_http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=self), base_url=IN_PROCESS, timeout=5.0)
            )
            extras = await self._peers(stack)
            for spec in SERVICES:
                settings = all_settings[spec.short]
                extra = extras.get(spec.short, {})
                if spec.short == "egov":  # identity (first) and docs are running by now
                    settings, peers = await self._egov_client(settings)
                    extra = extra | peers
                verifier = JwksVerifier(
                    jwks_url=IN_PROCESS + JWKS_PATH,
                    issuer=settings.jwt_issuer,
                    audience=settings.jwt_audience,
                    http=jwks_http,
                )
                app = spec.create_app(settings, bus=self.bus, verifier=verifier, **extra)
                state = await stack.enter_async_context(app.router.lifespan_context(app))
                self.apps[spec.short] = app
                self.states[spec.short] = dict(state or {})
            if self.seed:
                from routing_service.org.seed import seed_demo

                created = await seed_demo(
                    self.states["routing"]["sessionmaker"], os.environ.get("EMBEDDED_TENANT", "small")
                )
                log.info("embedded.seeded", agencies_created=created)
                # The agencies reach identity-service through the bus; the seed waits for them.
                self.demo_logins = await seed_demo_users(
                    self.states["identity"]["sessionmaker"], self.apps["identity"].state.settings
                )
                log.info("embedded.seeded_users", users_created=self.demo_logins.created)
            yield self

    async def _egov_client(self, settings: ServiceSettings) -> tuple[ServiceSettings, dict[str, Any]]:
        """egov-gateway reads and stores files in docs-service as a service client of identity: ensure
        the client with a fresh random secret (this run's only), and reach both in process. docs is
        reached directly: the public path /api/v1/exchange belongs to egov, as behind nginx."""
        client_id = str(getattr(settings, "client_id", "egov-gateway"))
        secret = secrets.token_urlsafe(32)
        identity_settings = self.apps["identity"].state.settings
        async with self.states["identity"]["sessionmaker"]() as session, session.begin():
            await client_service.ensure_service_client(
                session,
                IdentityContext.offline(identity_settings),
                client_id=client_id,
                name="egov-gateway (embedded)",
                scopes=["exchange.files"],
                secret=secret,
            )
        log.info("embedded.egov_client_ensured", client_id=client_id)
        return settings.model_copy(update={"client_secret": SecretStr(secret)}), {
            "docs_transport": httpx.ASGITransport(app=self._direct("docs")),
            "identity_transport": httpx.ASGITransport(app=self),
        }

    def _direct(self, short: str) -> ASGIApp:
        """One service's app with its lifespan state, as the host hands it requests, without routing."""

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            child = dict(scope)
            child["state"] = dict(self.states[short])
            await self.apps[short](child, receive, send)

        return app

    async def _peers(self, stack: contextlib.AsyncExitStack) -> dict[str, dict[str, Any]]:
        """Start the axis sandbox and the SMS simulator; what egov and notify need to reach them."""
        sandbox = create_sandbox_app(sandbox_config())
        await stack.enter_async_context(sandbox.router.lifespan_context(sandbox))
        self.peers[SANDBOX_PREFIX] = sandbox
        sms = sms_settings()
        simulator = create_simulator(config_matching(sms, notify_url=IN_PROCESS))
        # Its receipts go to notify's endpoint through this host (its own lifespan would open a
        # network client instead, so it is not entered; the client is closed with the host).
        simulator.state.simulator.http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=self), follow_redirects=False)
        )
        self.peers[SMS_PREFIX] = simulator
        router = await stack.enter_async_context(
            open_sms_router(sms, env="development", transport=httpx.ASGITransport(app=self))
        )
        return {
            "egov": {"axis_transport": httpx.ASGITransport(app=sandbox)},
            "notify": {"sms": router},
        }

    def _target(self, path: str) -> tuple[str, str] | None:
        """(service, root_path) for a request path, or None."""
        for spec in SERVICES:
            if any(owns(prefix, path) for prefix in spec.prefixes):
                return spec.short, ""
            if owns("/" + spec.short, path):
                return spec.short, "/" + spec.short
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return  # lifespans are entered by `running()`
        path = scope.get("path", "")
        if scope["type"] == "http" and path in ("/", ""):
            await self._index(scope, receive, send)
            return
        for prefix, peer in self.peers.items():
            if owns(prefix, path):
                child = dict(scope)
                child["root_path"] = scope.get("root_path", "") + prefix
                child["path"] = path[len(prefix) :] or "/"
                child["raw_path"] = child["path"].encode()
                await peer(child, receive, send)
                return
        target = self._target(path)
        if target is None or target[0] not in self.apps:
            response = problem_response(404, "Not found", detail=f"no service serves {path}", instance=path)
            await response(scope, receive, send)
            return
        short, root = target
        child = dict(scope)
        child["state"] = dict(self.states[short])
        if root:
            child["root_path"] = scope.get("root_path", "") + root
            child["path"] = path[len(root) :] or "/"
            child["raw_path"] = child["path"].encode()
        await self.apps[short](child, receive, send)

    async def _index(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = {
            "platform": "Nền tảng quản lý văn bản và điều hành — chế độ nhúng (embedded)",
            "services": {
                spec.short: {
                    "docs": f"/{spec.short}/docs",
                    "readyz": f"/{spec.short}/readyz",
                    "paths": spec.prefixes,
                }
                for spec in SERVICES
            },
            "stand_ins": {
                "axis_sandbox": f"{SANDBOX_PREFIX}/docs",
                "sms_simulator": f"{SMS_PREFIX}/messages",
                "mail": str(self.var_dir / "mail"),
            },
        }
        payload = json.dumps(body, ensure_ascii=False, indent=2).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": payload})
