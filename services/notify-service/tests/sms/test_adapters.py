"""Each adapter against the simulator over HTTP, and the verdicts it derives."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr
from sms_harness import BRANDNAME, reserve, world

from notify_service.sms import BrandnameProvider, GenericHttpProvider, Verdict, strip_diacritics
from notify_service.sms.base import verdict_for_status
from notify_service.sms.brandname import RESULT_CODES, normalize_code
from notify_service.sms.text import is_vietnamese_e164, national_84

TEXT = "Đồng chí có 01 văn bản Hỏa tốc cần xử lý: Quyết định số 45/QĐ-UBND"
TO = "+84356789012"


async def test_the_generic_adapter_sends_utf8_json_and_reads_the_id():
    async with world() as w:
        result = await w.provider_a.submit(to=TO, text=TEXT, reference="g-1")

        assert result.verdict is Verdict.ACCEPTED
        [message] = await w.messages(w.sim_a)
        assert (message["id"], message["text"], message["to"]) == (result.provider_message_id, TEXT, TO)


async def test_the_brandname_adapter_sends_84_numbers_and_the_brand_name():
    async with world() as w:
        result = await w.provider_b.submit(to=TO, text=TEXT, reference="b-1")

        assert result.verdict is Verdict.ACCEPTED
        [message] = await w.messages(w.sim_b)
        assert (message["id"], message["text"], message["to"], message["sender"]) == (
            result.provider_message_id,
            TEXT,
            TO,
            BRANDNAME,
        )


async def test_a_gsm_only_brandname_account_gets_the_text_without_diacritics():
    async with world(unicode=False) as w:
        result = await w.provider_b.submit(to=TO, text=TEXT, reference="b-2")

        assert result.verdict is Verdict.ACCEPTED
        [message] = await w.messages(w.sim_b)
        assert message["text"] == "Dong chi co 01 van ban Hoa toc can xu ly: Quyet dinh so 45/QD-UBND"


async def test_diacritics_sent_to_a_gsm_only_account_are_refused_by_the_gateway():
    async with world(unicode=False) as w:
        w.provider_b.strip_diacritics = False  # misconfigured: the gateway must say no, not garble it
        result = await w.provider_b.submit(to=TO, text=TEXT, reference="b-3")

        assert (result.verdict, result.error) == (
            Verdict.PERMANENT,
            "code 04: message content invalid or too long",
        )


@pytest.mark.parametrize(
    ("field", "value", "verdict", "error"),
    [
        (
            "password",
            SecretStr("wrong"),
            Verdict.TEMPORARY,
            "code 01: authentication failed (user name or password)",
        ),
        ("brandname", "KHAC", Verdict.TEMPORARY, "code 02: brand name not registered for this account"),
    ],
)
async def test_brandname_account_problems_are_temporary(field, value, verdict, error):
    async with world() as w:
        setattr(w.provider_b, field, value)
        result = await w.provider_b.submit(to=TO, text=TEXT, reference="acct")
        assert (result.verdict, result.error) == (verdict, error)


async def test_brandname_gateways_only_take_vietnamese_numbers():
    async with world() as w:
        result = await w.provider_b.submit(to="+4915112345678", text=TEXT, reference="abroad")
        assert result.verdict is Verdict.PERMANENT
        assert await w.messages(w.sim_b) == []


async def test_a_wrong_api_key_is_temporary_and_an_invalid_number_permanent():
    async with world() as w:
        w.provider_a.api_key = SecretStr("stolen")
        wrong_key = await w.provider_a.submit(to=TO, text=TEXT, reference="k")
        assert (wrong_key.verdict, wrong_key.error) == (Verdict.TEMPORARY, "HTTP 401: wrong API key")

        w.provider_a.api_key = SecretStr("generic-api-key")
        bad_number = await w.provider_a.submit(to="+84", text=TEXT, reference="n")
        assert (bad_number.verdict, bad_number.error) == (
            Verdict.PERMANENT,
            "HTTP 400: 'to' must be an E.164 number",
        )


@pytest.mark.parametrize(
    ("mode", "generic", "brandname"),
    [("rate_limited", "HTTP 429", "code 11"), ("down", "HTTP 503", "HTTP 503")],
)
async def test_overload_and_outage_are_temporary(mode, generic, brandname):
    async with world() as w:
        await w.behave(w.sim_a, mode=mode)
        await w.behave(w.sim_b, mode=mode)
        a = await w.provider_a.submit(to=TO, text=TEXT, reference="x")
        b = await w.provider_b.submit(to=TO, text=TEXT, reference="x")
        assert (a.verdict, b.verdict) == (Verdict.TEMPORARY, Verdict.TEMPORARY)
        assert a.error is not None
        assert b.error is not None
        assert a.error.startswith(generic)
        assert b.error.startswith(brandname)


async def test_nobody_listening_is_a_temporary_network_error():
    sock, url = reserve()
    sock.close()  # the port is free again: connections are refused
    async with httpx.AsyncClient() as http:
        provider = GenericHttpProvider(name="gone", http=http, base_url=url, api_key=SecretStr("k"))
        result = await provider.submit(to=TO, text=TEXT, reference="r")
    assert result.verdict is Verdict.TEMPORARY
    assert result.error is not None
    assert result.error.startswith("network error: ConnectError")


async def test_a_gateway_that_answers_nonsense_is_temporary():
    def nonsense(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    async with httpx.AsyncClient(transport=httpx.MockTransport(nonsense)) as http:
        provider = BrandnameProvider(
            name="odd", http=http, base_url="http://gw", username="u", password=SecretStr("p"), brandname="B"
        )
        result = await provider.submit(to=TO, text=TEXT, reference="r")
    assert (result.verdict, result.error) == (Verdict.TEMPORARY, "gateway answered 2xx without a JSON body")


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.ACCEPTED),
        (202, Verdict.ACCEPTED),
        (400, Verdict.PERMANENT),
        (404, Verdict.PERMANENT),
        (422, Verdict.PERMANENT),
        (401, Verdict.TEMPORARY),
        (408, Verdict.TEMPORARY),
        (429, Verdict.TEMPORARY),
        (500, Verdict.TEMPORARY),
        (503, Verdict.TEMPORARY),
    ],
)
def test_http_status_verdicts(status, verdict):
    assert verdict_for_status(status) is verdict


@pytest.mark.parametrize(
    ("raw", "code"),
    [(0, "00"), ("0", "00"), ("00", "00"), (99, "99"), ("x", None), (True, None), (None, None)],
)
def test_result_codes_are_read_in_every_form_gateways_send(raw, code):
    assert normalize_code(raw) == code


def test_every_documented_code_says_whether_another_provider_may_try():
    permanent = {c for c, (v, _) in RESULT_CODES.items() if v is Verdict.PERMANENT}
    assert permanent == {"03", "04", "05", "06"}
    assert RESULT_CODES["00"][0] is Verdict.ACCEPTED


def test_vietnamese_without_diacritics():
    assert strip_diacritics("Hỏa tốc - ĐỒNG Ý, đã xử lý") == "Hoa toc - DONG Y, da xu ly"
    assert strip_diacritics("Nghệ An, Quảng Trị, Thừa Thiên Huế") == "Nghe An, Quang Tri, Thua Thien Hue"


def test_numbers():
    assert national_84("+84912345678") == "84912345678"
    assert is_vietnamese_e164("+84912345678")
    assert is_vietnamese_e164("+842438123456")  # Hà Nội landline
    assert not is_vietnamese_e164("+8491234")
    assert not is_vietnamese_e164("0912345678")
    assert not is_vietnamese_e164("+4915112345678")
