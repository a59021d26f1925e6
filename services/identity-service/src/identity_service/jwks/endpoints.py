from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from identity_service.dependencies import ContextDep
from kit_db import SessionDep

from .schemas import JwkSet
from .service import jwks as jwks_service

router = APIRouter(tags=["jwks"])


@router.get(
    "/.well-known/jwks.json",
    response_model=JwkSet,
    summary="Public keys that verify access tokens (current and recently retired)",
)
async def get_jwks(session: SessionDep, ctx: ContextDep) -> Any:
    keys = await jwks_service.published(session, ctx)
    # Short caching: a verifier refetches on an unknown kid anyway (kit_core.JwksVerifier).
    return JSONResponse(jwks_service.jwks(keys), headers={"Cache-Control": "public, max-age=60"})
