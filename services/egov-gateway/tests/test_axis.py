"""The connector against the sandbox: every axis operation, auth, idempotency, retries, limits."""

from __future__ import annotations

import asyncio
import random
import sys
from datetime import UTC, datetime

import httpx
import pytest
from axis_support import (
    OTHER_SECRET,
    OTHER_SYSTEM,
    SYSTEM,
    free_port,
    sandbox_config,
    sandbox_in_process,
    sandbox_on_uvicorn,
)
from edxml_factories import GOVERNMENT_OFFICE, document, message_header

from egov_gateway.axis import AxisClient, AxisRefused, AxisUnavailable, PackageTooLarge, RetryPolicy
from egov_gateway.exchange import (
    Organization,
    ResponseFor,
    StatusPackage,
    build_document,
    build_status,
    parse_document,
    parse_status,
    verify_package,
)
from kit_bus.testing import eventually
from kit_core import new_id


async def test_a_package_to_a_ministry_comes_back_as_01_03_05_06_over_real_http():
    async with sandbox_on_uvicorn() as sandbox, sandbox.client() as axis:
        package = build_document(document())
        receipt = await axis.send(package, message_id=new_id(), sender="000.00.00.H42")
        assert receipt.duplicate is False

        [sent] = await axis.sent()
        assert sent.doc_id == receipt.doc_id
        assert {r.code: r.status for r in sent.recipients} == {
            "000.00.00.G22": "done",
            "000.00.00.G09": "done",
        }

        async def all_statuses():
            items = await axis.received()
            return items if len(items) == 8 else None

        items = await eventually(all_statuses, within=10)
        assert [i.seq for i in items] == sorted(i.seq for i in items)
        by_agency: dict[str, list[str]] = {}
        for item in items:
            assert item.message_type == "status"
            raw = await axis.get(item.doc_id)
            status = parse_status(raw)
            assert status.response_for.document_id == "000.00.00.H42,2026/03/02,123/UBND-VP"
            assert verify_package(raw).valid
            by_agency.setdefault(status.sender.organ_id, []).append(status.status_code)
        assert by_agency == {
            "000.00.00.G22": ["01", "03", "05", "06"],
            "000.00.00.G09": ["01", "03", "05", "06"],
        }

        await axis.update_status(items[0].doc_id, "done")
        await axis.update_status(items[1].doc_id, "fail")
        assert [i.doc_id for i in await axis.received()] == [i.doc_id for i in items[2:]]
        assert [i.doc_id for i in await axis.received(after=items[5].seq)] == [i.doc_id for i in items[6:]]


async def test_a_message_id_is_stored_once():
    async with sandbox_in_process() as sandbox, sandbox.client() as axis:
        package, message_id = build_document(document()), new_id()
        first = await axis.send(package, message_id=message_id, sender=SYSTEM)
        again = await axis.send(package, message_id=message_id, sender=SYSTEM)
        assert (again.doc_id, again.duplicate) == (first.doc_id, True)
        assert len(await axis.sent()) == 1

        other = build_document(document(attachments=()))
        with pytest.raises(AxisRefused) as refused:
            await axis.send(other, message_id=message_id, sender=SYSTEM)
        assert refused.value.http_status == 409
        assert len(sandbox.state.store.messages) == 1


async def test_wrong_credentials_and_foreign_senders_are_refused():
    async with sandbox_in_process() as sandbox:
        async with sandbox.client(secret="wrong") as axis:  # noqa: S106
            with pytest.raises(AxisRefused) as refused:
                await axis.received()
            assert refused.value.http_status == 401
        async with sandbox.client(system=OTHER_SYSTEM, secret=OTHER_SECRET) as axis:
            with pytest.raises(AxisRefused) as refused:  # Hà Nội's system cannot send as Ninh Bình
                await axis.send(build_document(document()), message_id=new_id(), sender=SYSTEM)
            assert refused.value.http_status == 403
            assert "000.00.00.H42" in str(refused.value)
        assert sandbox.state.store.messages == {}


async def test_malformed_packages_and_unknown_recipients_are_refused_and_not_stored():
    async with sandbox_in_process() as sandbox, sandbox.client() as axis:
        with pytest.raises(AxisRefused) as refused:
            await axis.send(b"<edXML><oops", message_id=new_id(), sender=SYSTEM)
        assert refused.value.http_status == 422
        doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
        with pytest.raises(AxisRefused):
            await axis.send(doctype, message_id=new_id(), sender=SYSTEM)
        stranger = document(header=message_header(recipients=(Organization(organ_id="000.00.00.Z99"),)))
        with pytest.raises(AxisRefused) as unknown:
            await axis.send(build_document(stranger), message_id=new_id(), sender=SYSTEM)
        assert unknown.value.http_status == 422
        assert "000.00.00.Z99" in str(unknown.value)
        assert sandbox.state.store.messages == {}


async def test_agencies_are_listed_and_children_registered():
    async with sandbox_in_process() as sandbox, sandbox.client() as axis:
        listed = {a.code102: a for a in await axis.agencies()}
        assert listed["000.00.00.G22"].name == "Văn phòng Chính phủ"
        assert listed["000.00.00.G22"].code == "G22"
        assert {"000.00.00.G09", "000.00.00.G12", "000.00.00.H42"} <= set(listed)

        child = await axis.register_agency(
            id="H42.01", pcode="000.00.00.H42", code="000.01.00.H42", name="Sở Nội vụ tỉnh Ninh Bình"
        )
        assert (child.code102, child.pcode) == ("000.01.00.H42", "000.00.00.H42")
        assert "000.01.00.H42" in {a.code102 for a in await axis.agencies()}
        with pytest.raises(AxisRefused) as refused:
            await axis.register_agency(
                id="x", pcode=GOVERNMENT_OFFICE.organ_id, code="000.01.00.G22", name="x"
            )
        assert refused.value.http_status == 403


class Flaky(httpx.AsyncBaseTransport):
    """The sandbox behind a transport answering the first ``failures`` requests with ``status``."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, *, failures: int, status: int, retry_after: str | None = None
    ):
        self.inner, self.failures, self.status, self.retry_after = inner, failures, status, retry_after
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls <= self.failures:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return httpx.Response(self.status, headers=headers, json={"title": "busy"})
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize(("status", "retry_after"), [(503, None), (502, None), (429, "0.3")])
async def test_5xx_and_429_are_retried_with_backoff(status, retry_after):
    async with sandbox_in_process() as sandbox:
        assert sandbox.transport is not None
        flaky = Flaky(sandbox.transport, failures=3, status=status, retry_after=retry_after)
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)

        policy = RetryPolicy(retries=4, base_seconds=0.1, max_seconds=1.0)
        async with AxisClient(
            base_url=sandbox.url,
            system_id=SYSTEM,
            secret=sandbox_config().systems[SYSTEM].secret,
            transport=flaky,
            retry=policy,
            sleep=sleep,
            rng=random.Random(7),
        ) as axis:
            receipt = await axis.send(build_document(document()), message_id=new_id(), sender=SYSTEM)
        assert receipt.doc_id in sandbox.state.store.messages
        assert flaky.calls == 4
        assert len(slept) == 3
        for attempt, seconds in enumerate(slept):  # full jitter under an exponential cap
            assert 0 <= seconds <= min(1.0, 0.1 * 2**attempt) or (retry_after and seconds == 0.3)
        if retry_after:
            assert all(seconds >= 0.3 for seconds in slept)


async def test_network_errors_give_up_after_the_retries():
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with AxisClient(
        base_url=f"http://127.0.0.1:{free_port()}",
        system_id=SYSTEM,
        secret="x",  # noqa: S106
        retry=RetryPolicy(retries=2, base_seconds=0.01, max_seconds=0.05),
        sleep=sleep,
        timeout=2,
    ) as axis:
        with pytest.raises(AxisUnavailable) as unavailable:
            await axis.received()
    assert "after 3 tries" in str(unavailable.value)
    assert len(slept) == 2


async def test_4xx_is_not_retried():
    async with sandbox_in_process() as sandbox:
        assert sandbox.transport is not None
        flaky = Flaky(sandbox.transport, failures=1, status=400)
        async with AxisClient(
            base_url=sandbox.url,
            system_id=SYSTEM,
            secret="x",  # noqa: S106
            transport=flaky,
            retry=RetryPolicy(retries=3),
        ) as axis:
            with pytest.raises(AxisRefused):
                await axis.received()
        assert flaky.calls == 1


async def test_downloads_stop_at_the_size_limit():
    async with sandbox_in_process() as sandbox:
        async with sandbox.admin() as admin:
            response = await admin.post(
                "/admin/inject",
                params={"system_id": SYSTEM},
                content=b"<edXML>" + b" " * 200_000 + b"</edXML>",
            )
            doc_id = response.json()["doc_id"]
        async with sandbox.client(max_package_bytes=100_000) as axis:
            with pytest.raises(PackageTooLarge):
                await axis.get(doc_id)
        async with sandbox.client() as axis:
            assert len(await axis.get(doc_id)) == 200_015


async def test_the_sandbox_runs_standalone():
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "egov_gateway.sandbox",
        "--port",
        str(port),
        "--system",
        f"{SYSTEM}:standalone-secret",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with AxisClient(
            base_url=f"http://127.0.0.1:{port}",
            system_id=SYSTEM,
            secret="standalone-secret",  # noqa: S106
            retry=RetryPolicy(retries=40, base_seconds=0.1, max_seconds=0.2),
        ) as axis:
            agencies = {a.code102 for a in await axis.agencies()}
        assert {"000.00.00.G22", "000.00.00.H42"} <= agencies
    finally:
        process.terminate()
        await process.wait()


async def test_two_connected_systems_exchange_a_document_and_its_status():
    hanoi = Organization(organ_id="000.00.00.H26", organ_name="UBND thành phố Hà Nội")
    async with (
        sandbox_in_process() as sandbox,
        sandbox.client() as ninh_binh,
        sandbox.client(system=OTHER_SYSTEM, secret=OTHER_SECRET) as ha_noi,
    ):
        package = document(header=message_header(recipients=(hanoi,)))
        await ninh_binh.send(build_document(package), message_id=new_id(), sender=SYSTEM)
        [item] = await ha_noi.received()
        assert (item.sender, item.message_type) == ("000.00.00.H42", "edoc")
        assert parse_document(await ha_noi.get(item.doc_id)).document_id == package.document_id
        await ha_noi.update_status(item.doc_id, "done")
        assert await ha_noi.received() == []
        assert await ninh_binh.received() == []  # a connected system answers itself, later

        answer = StatusPackage(
            response_for=ResponseFor(
                organ_id="000.00.00.H42",
                code="123/UBND-VP",
                promulgation_date=package.message_header.promulgation_info.promulgation_date,
                document_id=package.document_id,
            ),
            sender=hanoi,
            status_code="01",
            timestamp=datetime.now(UTC),
        )
        with pytest.raises(AxisRefused):  # the header must say what the package is
            await ha_noi.send(build_status(answer), message_id=new_id(), sender=OTHER_SYSTEM)
        await ha_noi.send(
            build_status(answer), message_id=new_id(), sender=OTHER_SYSTEM, service_type="status"
        )
        [status] = await ninh_binh.received()
        assert parse_status(await ninh_binh.get(status.doc_id)).status_code == "01"
        [sent] = await ninh_binh.sent()
        assert sent.recipients[0].status == "done"
