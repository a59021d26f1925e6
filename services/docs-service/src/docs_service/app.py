from fastapi import FastAPI

from kit_bus import EventBus, Handler
from kit_bus.service import create_service_app
from kit_contracts import Event
from kit_core import Clock, JwksVerifier, SystemClock

from .agency.handlers import make_handlers as agency_handlers
from .audit.endpoints import router as audit_router
from .blobstore import BlobStore, LocalBlobStore
from .config import Settings
from .document.endpoints import router as document_router
from .document.endpoints import types_router
from .document.handlers import make_handlers as document_handlers
from .exchange.endpoints import router as exchange_router
from .file.endpoints import router as file_router
from .printing.endpoints import router as printing_router
from .register.endpoints import router as register_router
from .search.endpoints import router as search_router
from .signature.context import Signing
from .signature.endpoints import router as signature_router


def make_handlers(clock: Clock, *, store: BlobStore, signing: Signing) -> dict[type[Event], Handler]:
    return agency_handlers(clock) | document_handlers(clock, store=store, signing=signing)


def create_app(
    settings: Settings | None = None,
    *,
    bus: EventBus | None = None,
    run_workers: bool = True,
    clock: Clock | None = None,
    verifier: JwksVerifier | None = None,
) -> FastAPI:
    clock = clock or SystemClock()
    settings = settings or Settings()
    store = LocalBlobStore(settings.blob_dir)
    signing = Signing(
        folder=settings.signing_dir,
        keys=settings.signing_keys,
        trust_roots=settings.trust_roots,
        crl_files=settings.crl_files,
        dev_ca=settings.dev_ca_enabled,
        dev_passphrase=settings.signing_dev_passphrase.get_secret_value(),
        crl_url=settings.signing_crl_url,
        fetch_revocation=settings.revocation_fetch,
        softhsm2_conf=settings.softhsm2_conf,
        stamp_font=settings.signature_stamp_font if settings.signature_stamps else None,
    )
    app = create_service_app(
        settings,
        title="docs-service",
        description=(
            "Documents per Nghị định 30/2020/NĐ-CP: outgoing drafts through approval, the two signature "
            "steps, numbering in the agency's registers (sổ đăng ký văn bản) and issue; incoming copies "
            "from routing's deliveries, registered with an arrival number or returned. Signing is "
            "PAdES (pyHanko) with keys behind PKCS#11 or in PKCS#12 files; every signature is validated."
        ),
        routers=[
            types_router,
            document_router,
            file_router,
            register_router,
            printing_router,
            search_router,
            audit_router,
            signature_router,
            exchange_router,
        ],
        handlers=make_handlers(clock, store=store, signing=signing),
        bus=bus,
        run_workers=run_workers,
        verifier=verifier,
    )
    app.state.clock = clock
    app.state.blob_store = store
    app.state.max_file_bytes = settings.max_file_bytes
    app.state.signing = signing
    return app
