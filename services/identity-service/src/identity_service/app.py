from fastapi import FastAPI

from kit_bus import EventBus
from kit_bus.service import create_service_app
from kit_core import Clock, JwksVerifier, SystemClock

from .agency.handlers import HANDLERS
from .client.endpoints import router as client_router
from .client.endpoints import token_router
from .config import Settings
from .housekeeping.service import housekeeping
from .jwks.endpoints import router as jwks_router
from .lockout.endpoints import ip_router as ip_block_router
from .lockout.endpoints import router as lockout_router
from .otp.endpoints import router as otp_router
from .password.endpoints import router as password_router
from .session.endpoints import router as session_router
from .user.endpoints import router as user_router


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    clock: Clock | None = None,
    verifier: JwksVerifier | None = None,
) -> FastAPI:
    settings = settings or Settings()
    clock = clock or SystemClock()
    app = create_service_app(
        settings,
        title="identity-service",
        description=(
            "Users, their agencies and roles; two-step login (password, then TOTP or a backup code); "
            "access tokens (JWT, EdDSA/ES256) every service verifies from /.well-known/jwks.json; "
            "refresh tokens that rotate; lockouts; a hash-chained audit log."
        ),
        routers=[
            session_router,
            token_router,
            client_router,
            otp_router,
            password_router,
            user_router,
            lockout_router,
            ip_block_router,
            jwks_router,
        ],
        handlers=HANDLERS,
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
        workers=[housekeeping.worker(settings, clock)],
    )
    # Plain values, not resources: the runtime (engine, bus) still lives only in the lifespan.
    app.state.settings = settings
    app.state.clock = clock
    return app
