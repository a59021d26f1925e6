"""Signatures in the Standard Webhooks layout, checked by our verifier and independently with plain
``hmac``; rotation with two secrets; tampering, replay and malformed headers refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from kit_core import FixedClock
from notify_service.webhook import (
    WebhookSigner,
    WebhookVerificationError,
    WebhookVerifier,
    generate_secret,
    secret_key,
)

OLD = "whsec_" + base64.b64encode(b"o" * 32).decode()
NEW = "whsec_" + base64.b64encode(b"n" * 32).decode()
BODY = json.dumps({"type": "document.arrived", "so_ky_hieu": "125/UBND-VP"}, ensure_ascii=False).encode()
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def independent_check(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The check a partner writes from the documentation alone, with nothing of ours."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(sig, expected)
        for version, _, sig in (entry.partition(",") for entry in headers["webhook-signature"].split(" "))
    )


def test_headers_and_an_independent_hmac_check():
    headers = WebhookSigner([NEW], clock=FixedClock(NOW)).headers("msg_01", BODY)

    assert headers["webhook-id"] == "msg_01"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    assert independent_check(NEW, headers, BODY)
    assert not independent_check(OLD, headers, BODY)
    assert WebhookVerifier([NEW], clock=FixedClock(NOW)).verify(headers, BODY) == "msg_01"


def test_during_a_rotation_both_secrets_verify():
    headers = WebhookSigner([OLD, NEW], clock=FixedClock(NOW)).headers("msg_02", BODY)

    assert len(headers["webhook-signature"].split(" ")) == 2
    for held in ([OLD], [NEW], [NEW, OLD]):
        assert WebhookVerifier(held, clock=FixedClock(NOW)).verify(headers, BODY) == "msg_02"
        assert all(independent_check(s, headers, BODY) for s in held)
    stranger = generate_secret()
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        WebhookVerifier([stranger], clock=FixedClock(NOW)).verify(headers, BODY)


def test_a_partner_holding_the_new_secret_and_one_more_still_verifies_after_the_old_is_dropped():
    headers = WebhookSigner([NEW], clock=FixedClock(NOW)).headers("msg_03", BODY)
    assert WebhookVerifier([OLD, NEW], clock=FixedClock(NOW)).verify(headers, BODY) == "msg_03"
    with pytest.raises(WebhookVerificationError):
        WebhookVerifier([OLD], clock=FixedClock(NOW)).verify(headers, BODY)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b + b" "),
        lambda h, b: ({**h, "webhook-id": "msg_other"}, b),
        lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, b),
        lambda h, b: ({**h, "webhook-signature": "v2," + h["webhook-signature"].partition(",")[2]}, b),
        lambda h, b: ({**h, "webhook-signature": "v1,AAAA"}, b),
    ],
    ids=["body", "id", "timestamp", "other-version", "garbage"],
)
def test_anything_changed_is_refused(tamper):
    headers = WebhookSigner([NEW], clock=FixedClock(NOW)).headers("msg_04", BODY)
    bad_headers, bad_body = tamper(headers, BODY)
    with pytest.raises(WebhookVerificationError):
        WebhookVerifier([NEW], clock=FixedClock(NOW)).verify(bad_headers, bad_body)


@pytest.mark.parametrize(("offset", "ok"), [(-301, False), (-299, True), (299, True), (301, False)])
def test_timestamps_outside_five_minutes_are_refused(offset, ok):
    headers = WebhookSigner([NEW], clock=FixedClock(NOW)).headers("msg_05", BODY)
    verifier = WebhookVerifier([NEW], clock=FixedClock(NOW - timedelta(seconds=offset)))
    if ok:
        assert verifier.verify(headers, BODY) == "msg_05"
    else:
        with pytest.raises(WebhookVerificationError, match="too old or in the future"):
            verifier.verify(headers, BODY)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "m", "webhook-timestamp": "1"},
        {"webhook-id": "m", "webhook-timestamp": "soon", "webhook-signature": "v1,x"},
        {"webhook-id": "m", "webhook-timestamp": "99999999999999999999", "webhook-signature": "v1,x"},
    ],
)
def test_missing_or_malformed_headers_are_refused(headers):
    with pytest.raises(WebhookVerificationError):
        WebhookVerifier([NEW], clock=FixedClock(NOW)).verify(headers, BODY)


def test_header_names_are_case_insensitive():
    headers = WebhookSigner([NEW], clock=FixedClock(NOW)).headers("msg_06", BODY)
    upper = {k.title(): v for k, v in headers.items()}
    assert WebhookVerifier([NEW], clock=FixedClock(NOW)).verify(upper, BODY) == "msg_06"


@pytest.mark.parametrize(
    "bad", ["n" * 32, "whsec_not-base64!", "whsec_" + base64.b64encode(b"short").decode()]
)
def test_secrets_must_have_the_standard_form(bad):
    with pytest.raises(ValueError, match="secret"):
        secret_key(bad)


def test_generated_secrets_are_random_and_usable():
    a, b = generate_secret(), generate_secret()
    assert a != b
    assert len(secret_key(a)) == 32


def test_three_active_secrets_or_none_are_refused():
    with pytest.raises(ValueError, match="two while rotating"):
        WebhookSigner([OLD, NEW, generate_secret()])
    with pytest.raises(ValueError, match="two while rotating"):
        WebhookSigner([])
    with pytest.raises(ValueError, match="webhook id"):
        WebhookSigner([NEW]).headers("has space", BODY)
