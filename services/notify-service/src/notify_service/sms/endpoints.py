"""Routers over one ``SmsRouter``, made by factories because the router lives in the app's runtime:
``receipts_router`` for the providers' delivery receipts (authenticated by each provider's receipt
secret, not by a user token) and ``health_router`` for administrators."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request

from kit_core import AUTHENTICATION, AUTHORISATION, Role, problems, require_roles

from .base import MalformedReceiptPayload
from .exceptions import MalformedReceipt, ReceiptNotAuthenticated
from .health import ProviderHealth
from .router import ReceiptNotAuthorized, SmsRouter
from .schemas import ProviderHealthRead, ReceiptAccepted

RECEIPTS_PATH = "/api/v1/notifications/sms/receipts/{provider}"


def receipts_router(router: SmsRouter) -> APIRouter:
    api = APIRouter(tags=["sms"])

    @api.post(
        RECEIPTS_PATH,
        response_model=ReceiptAccepted,
        responses=problems(ReceiptNotAuthenticated, MalformedReceipt),
        description=(
            "A delivery receipt from the SMS provider named in the path, in that provider's own format. "
            "The provider authenticates with `Authorization: Bearer <its receipt secret>`; an unknown "
            "provider gets the same 401 as a wrong secret. Receipts may be repeated: the callbacks "
            "treat a second receipt for the same reference as a no-op."
        ),
    )
    async def receive_receipt(
        provider: str,
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> ReceiptAccepted:
        # Authenticate before reading the body: an anonymous caller learns nothing about the format.
        try:
            sender = router.provider(provider)
        except LookupError:
            raise ReceiptNotAuthenticated("unknown SMS provider or wrong receipt secret") from None
        if not sender.receipt_authorized(authorization):
            raise ReceiptNotAuthenticated("unknown SMS provider or wrong receipt secret")
        try:
            payload: Any = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise MalformedReceipt("the receipt is not JSON") from None
        if not isinstance(payload, dict):
            raise MalformedReceipt("the receipt is not a JSON object")
        try:
            receipt = await router.handle_receipt(provider, authorization=authorization, payload=payload)
        except ReceiptNotAuthorized:
            raise ReceiptNotAuthenticated("unknown SMS provider or wrong receipt secret") from None
        except MalformedReceiptPayload as exc:
            raise MalformedReceipt(str(exc)) from None
        return ReceiptAccepted(
            reference=receipt.reference, delivered=receipt.delivered, detail=receipt.detail
        )

    return api


def health_router(router: SmsRouter) -> APIRouter:
    api = APIRouter(
        tags=["sms"],
        dependencies=[Depends(require_roles(Role.SYSTEM_ADMIN))],
        responses=problems(*AUTHENTICATION, *AUTHORISATION),
    )

    @api.get(
        "/api/v1/notifications/sms/providers",
        response_model=list[ProviderHealthRead],
        description="Each SMS provider's health over the last window, in priority order (system administrators).",
    )
    async def provider_health() -> list[ProviderHealth]:
        return router.health()

    return api
