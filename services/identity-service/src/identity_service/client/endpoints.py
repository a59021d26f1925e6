import base64
import binascii
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import unquote_plus
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from identity_service import models
from identity_service.dependencies import ContextDep
from identity_service.jwks.exceptions import InvalidToken
from identity_service.session.dependencies import AdminPrincipal
from identity_service.session.exceptions import SessionEnded
from identity_service.user.exceptions import NotAllowed, UnknownAgency
from kit_core import Forbidden, problems
from kit_db import SessionDep

from .exceptions import ClientNotFound, OAuthError, UnknownScope
from .schemas import Client, ClientCreate, ClientUpdate, ClientWithSecret, TokenResponse
from .service import clients as client_service

router = APIRouter(prefix="/api/v1/clients", tags=["clients"])
token_router = APIRouter(prefix="/api/v1/auth", tags=["clients"])
ADMIN = (InvalidToken, SessionEnded, Forbidden, NotAllowed, ClientNotFound)
RULE = (
    "System administrators manage every client; an agency administrator only the clients of the agency "
    "their token acts for."
)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"


def _with_secret(client: models.ApiClient, secret: str) -> ClientWithSecret:
    return ClientWithSecret.model_validate(
        {**Client.model_validate(client).model_dump(), "client_secret": secret}
    )


@router.post(
    "",
    response_model=ClientWithSecret,
    status_code=status.HTTP_201_CREATED,
    responses=problems(*ADMIN, UnknownAgency, UnknownScope),
    description=f"Register a machine client; the answer shows its secret this once. {RULE}",
)
async def create_client(
    data: ClientCreate, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> ClientWithSecret:
    client, secret = await client_service.create(session, ctx, data, actor=admin)
    return _with_secret(client, secret)


@router.get("", response_model=list[Client], responses=problems(*ADMIN), description=RULE)
async def list_clients(
    admin: AdminPrincipal,
    session: SessionDep,
    agency_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Sequence[models.ApiClient]:
    return await client_service.listing(session, actor=admin, agency_id=agency_id, limit=limit, offset=offset)


@router.get("/{client_id}", response_model=Client, responses=problems(*ADMIN), description=RULE)
async def get_client(client_id: UUID, admin: AdminPrincipal, session: SessionDep) -> models.ApiClient:
    return await client_service.get(session, client_id, actor=admin)


@router.patch(
    "/{client_id}", response_model=Client, responses=problems(*ADMIN, UnknownScope), description=RULE
)
async def update_client(
    client_id: UUID, data: ClientUpdate, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.ApiClient:
    return await client_service.update(session, ctx, client_id, data, actor=admin)


@router.post(
    "/{client_id}/secret",
    response_model=ClientWithSecret,
    responses=problems(*ADMIN),
    description="A new secret, shown this once; the previous one keeps working for the grace period "
    f"in settings (client_secret_grace_seconds) so the other system can switch. {RULE}",
)
async def rotate_secret(
    client_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> ClientWithSecret:
    client, secret = await client_service.rotate(session, ctx, client_id, actor=admin)
    return _with_secret(client, secret)


@router.post("/{client_id}/disable", response_model=Client, responses=problems(*ADMIN), description=RULE)
async def disable_client(
    client_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.ApiClient:
    return await client_service.set_active(session, ctx, client_id, active=False, actor=admin)


@router.post("/{client_id}/enable", response_model=Client, responses=problems(*ADMIN), description=RULE)
async def enable_client(
    client_id: UUID, admin: AdminPrincipal, session: SessionDep, ctx: ContextDep
) -> models.ApiClient:
    return await client_service.set_active(session, ctx, client_id, active=True, actor=admin)


def _oauth_error(error: OAuthError, *, basic: bool) -> JSONResponse:
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="egov"' if basic else 'Bearer realm="egov"'
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=error.status,
        headers=headers,
    )


def _basic_credentials(header: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1: both parts form-urlencoded, then joined by a colon and base64-encoded."""
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "the Basic credentials are not valid base64", status=401) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "the Basic credentials need client_id:client_secret", status=401)
    return unquote_plus(client_id), unquote_plus(secret)


TOKEN_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "scope": {"type": "string", "description": "space-separated; default: all granted"},
                        "client_id": {"type": "string", "description": "client_secret_post; or HTTP Basic"},
                        "client_secret": {"type": "string"},
                    },
                }
            }
        },
    }
}


@token_router.post(
    "/token",
    response_model=TokenResponse,
    openapi_extra=TOKEN_FORM,
    responses={
        400: {"description": "RFC 6749 §5.2 error: invalid_request, unsupported_grant_type, invalid_scope"},
        401: {"description": "RFC 6749 §5.2 error: invalid_client"},
        429: {"description": "too many failed client authentications from this address (Retry-After)"},
    },
    summary="OAuth2 client credentials (RFC 6749 §4.4) for machine clients: form-encoded, HTTP Basic or "
    "client_secret_post; errors in RFC 6749's JSON shape",
)
async def token(request: Request, session: SessionDep, ctx: ContextDep) -> JSONResponse:
    authorization = request.headers.get("authorization", "")
    basic = authorization[:6].lower() == "basic "
    try:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
            raise OAuthError("invalid_request", f"send the parameters as {FORM}")
        form = await request.form()
        fields = {key: form.getlist(key) for key in form}
        if any(len(values) > 1 for values in fields.values()):
            raise OAuthError("invalid_request", "each parameter may appear once")
        values = {key: str(values[0]) for key, values in fields.items()}
        grant = values.get("grant_type")
        if grant is None:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant != "client_credentials":
            raise OAuthError("unsupported_grant_type", "only client_credentials is supported here")
        if basic:
            if "client_secret" in values:
                raise OAuthError("invalid_request", "authenticate with HTTP Basic or the form, not both")
            client_id, secret = _basic_credentials(authorization)
        else:
            client_id, secret = values.get("client_id", ""), values.get("client_secret", "")
            if not client_id or not secret:
                raise OAuthError("invalid_client", "client_id and client_secret are required", status=401)
        issued = await client_service.token(
            session, ctx, client_id=client_id, secret=secret, scope=values.get("scope")
        )
    except OAuthError as error:
        return _oauth_error(error, basic=basic)  # its audit entry and failure count are committed
    return JSONResponse(issued.model_dump(), headers=NO_STORE)
