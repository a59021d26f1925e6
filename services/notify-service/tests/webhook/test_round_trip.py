"""A signed delivery over real HTTP to a partner's receiver that verifies it, plus the guard's
verdict on that receiver's loopback address."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from kit_core import new_id
from notify_service.webhook import (
    TargetRefused,
    WebhookSigner,
    WebhookVerificationError,
    WebhookVerifier,
    check_target,
    generate_secret,
)

sys.path.append(str(Path(__file__).parents[1] / "sms"))
from sms_harness import reserve, serve


def partner(secrets: list[str], seen: list[tuple[str, dict[str, str], bytes]]) -> FastAPI:
    app = FastAPI()
    verifier = WebhookVerifier(secrets)

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        body = await request.body()
        try:
            msg_id = verifier.verify(request.headers, body)
        except WebhookVerificationError:
            return Response(status_code=401)
        seen.append((msg_id, dict(request.headers), body))
        return Response(status_code=204)

    return app


async def test_a_signed_delivery_is_verified_by_the_partner_and_by_plain_hmac():
    old, new = generate_secret(), generate_secret()
    seen: list[tuple[str, dict[str, str], bytes]] = []
    sock, url = reserve()
    # The receiver listens on 127.0.0.1: the guard refuses it unless explicitly allowed.
    with pytest.raises(TargetRefused, match="loopback"):
        await check_target(f"{url}/hook", allow_http=True)
    assert await check_target(f"{url}/hook", allow_http=True, allow_non_public=True) == ["127.0.0.1"]

    body = json.dumps({"loai": "văn bản đến", "so": "125/UBND-VP"}, ensure_ascii=False).encode()
    delivery_id = f"msg_{new_id()}"
    async with serve((partner([new], seen), sock)), httpx.AsyncClient() as http:
        signed = WebhookSigner([old, new]).headers(delivery_id, body)
        ok = await http.post(
            f"{url}/hook", content=body, headers={**signed, "content-type": "application/json"}
        )
        forged = await http.post(f"{url}/hook", content=body + b" ", headers=signed)
        unsigned_by_us = WebhookSigner([generate_secret()]).headers(delivery_id, body)
        stranger = await http.post(f"{url}/hook", content=body, headers=unsigned_by_us)

    assert (ok.status_code, forged.status_code, stranger.status_code) == (204, 401, 401)
    [(msg_id, headers, received)] = seen
    assert (msg_id, received) == (delivery_id, body)
    key = base64.b64decode(new.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(
            key, f"{msg_id}.{headers['webhook-timestamp']}.".encode() + received, hashlib.sha256
        ).digest()
    ).decode()
    assert f"v1,{expected}" in headers["webhook-signature"].split(" ")
