"""Numbers are taken in the issuing transaction: exactly 1..N under concurrency, no gap, no
duplicate; a new year starts again at 01 (Vietnam time); arrival numbers run on through the year."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from kit_bus.testing import DIALECTS
from kit_core import FixedClock, ServiceUnavailable

from .docs_harness import People, agency, issued, ready_to_issue

CONCURRENT = 200


async def gather_in_batches(factories, size=25):
    out = []
    for start in range(0, len(factories), size):
        out += await asyncio.gather(*(f() for f in factories[start : start + size]))
    return out


async def test_concurrent_issues_take_exactly_1_to_n(service):
    people = People(service, await agency(service))
    docs = await gather_in_batches([lambda: ready_to_issue(people) for _ in range(CONCURRENT)])

    async def issue(doc):
        return await people.clerk.post(f"/api/v1/documents/{doc['id']}/issue")

    responses = await asyncio.gather(*(issue(d) for d in docs))
    assert [r.status_code for r in responses] == [200] * CONCURRENT, {
        r.text for r in responses if r.status_code != 200
    }
    numbers = sorted(int(r.json()["number"]) for r in responses)
    assert numbers == list(range(1, CONCURRENT + 1))
    assert len({r.json()["exchange_id"] for r in responses}) == CONCURRENT
    assert {r.json()["number"] for r in responses} >= {"01", "09", "10", "200"}
    [register] = [
        r
        for r in (await people.clerk.get("/api/v1/registers")).json()
        if (r["kind"], r["series"]) == ("outgoing", "administrative")
    ]
    assert register["last_number"] == CONCURRENT


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_the_new_year_starts_again_at_01(start, dialect, tmp_path):
    clock = FixedClock(datetime(2026, 12, 31, 16, 0, tzinfo=UTC))  # 23:00 on 31 December in Hà Nội
    async with start(dialect, tmp_path, clock=clock) as running:
        people = People(running, await agency(running))
        first = await issued(people)
        second = await issued(people)
        signed_late = await ready_to_issue(people)
        assert (first["number"], second["number"]) == ("01", "02")
        assert first["exchange_id"] == "000.00.00.H42,2026/12/31,01/QĐ-UBND"

        clock.advance(timedelta(hours=1, minutes=30))  # 00:30 on 1 January 2027 in Hà Nội, still 2026 in UTC
        new_year = (await people.clerk.post(f"/api/v1/documents/{signed_late['id']}/issue")).json()
        assert new_year["number"] == "01"
        assert new_year["document_date"] == "2027-01-01"
        assert new_year["exchange_id"] == "000.00.00.H42,2027/01/01,01/QĐ-UBND"
        assert (await issued(people))["number"] == "02"

        registers = (await people.clerk.get("/api/v1/registers")).json()
        outgoing = {r["year"]: r for r in registers if r["kind"] == "outgoing"}
        assert (outgoing[2026]["last_number"], outgoing[2027]["last_number"]) == (2, 2)
        assert new_year["register_id"] == outgoing[2027]["id"]

        # Last year's register gives no more numbers, even when named.
        late = await ready_to_issue(people)
        refused = await people.clerk.post(
            f"/api/v1/documents/{late['id']}/issue", json={"register_id": outgoing[2026]["id"]}
        )
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/register-does-not-fit")
        assert (await people.clerk.get(f"/api/v1/documents/{late['id']}")).json()["status"] == "signed"


async def test_a_named_register_must_be_ours_and_fit(service):
    people = People(service, await agency(service))
    other = People(service, await agency(service, code="000.00.15.H42"))
    theirs = (await other.clerk.get("/api/v1/registers")).json()
    mine = {(r["kind"], r["series"]): r["id"] for r in (await people.clerk.get("/api/v1/registers")).json()}
    doc = await ready_to_issue(people)
    foreign = await people.clerk.post(
        f"/api/v1/documents/{doc['id']}/issue", json={"register_id": theirs[0]["id"]}
    )
    assert foreign.status_code == 404
    assert foreign.json()["type"].endswith("/register-not-found")
    incoming = await people.clerk.post(
        f"/api/v1/documents/{doc['id']}/issue", json={"register_id": mine[("incoming", "administrative")]}
    )
    assert incoming.status_code == 409
    assert incoming.json()["type"].endswith("/register-does-not-fit")
    named = await people.clerk.post(
        f"/api/v1/documents/{doc['id']}/issue", json={"register_id": mine[("outgoing", "administrative")]}
    )
    assert named.status_code == 200
    assert named.json()["number"] == "01"


async def test_registers_are_configuration_rows(service):
    people = People(service, await agency(service))
    admin = service.client_for(people.org_id, ["agency_admin"])
    body = {"kind": "outgoing", "series": "legal.thong_tu", "year": 2031}
    created = await admin.post("/api/v1/registers", json=body)
    assert created.status_code == 201, created.text
    register = created.json()
    assert (register["series"], register["year"], register["last_number"]) == ("legal.thong_tu", 2031, 0)
    assert register["title"] == "Sổ đăng ký văn bản đi (văn bản quy phạm pháp luật)"
    again = await people.clerk.post("/api/v1/registers", json=body)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/register-exists")
    unknown = await admin.post("/api/v1/registers", json=body | {"series": "legal.quyet_dinh"})
    assert unknown.status_code == 409
    assert unknown.json()["type"].endswith("/unknown-series")
    malformed = await admin.post("/api/v1/registers", json=body | {"series": "Sổ riêng"})
    assert malformed.status_code == 422
    for role in ("specialist", "leader"):
        refused = await service.client_for(people.org_id, [role]).post("/api/v1/registers", json=body)
        assert refused.status_code == 403
    elsewhere = await service.client_for(uuid4(), ["clerk"]).post(
        "/api/v1/registers", params={"org_id": str(people.org_id)}, json=body | {"year": 2032}
    )
    assert elsewhere.status_code == 403
    years = {r["year"] for r in (await people.clerk.get("/api/v1/registers")).json()}
    assert 2031 in years
    assert 2032 not in years


async def test_a_failed_issue_gives_its_number_back(service, monkeypatch):
    from docs_service.document.service import DocumentService

    people = People(service, await agency(service))
    doc = await ready_to_issue(people)
    real = DocumentService.summary

    def broken(*args, **kwargs):
        raise ServiceUnavailable("the event could not be built after the number was taken")

    monkeypatch.setattr(DocumentService, "summary", staticmethod(broken))
    failed = await people.clerk.post(f"/api/v1/documents/{doc['id']}/issue")
    assert failed.status_code == 503
    after = (await people.clerk.get(f"/api/v1/documents/{doc['id']}")).json()
    assert (after["status"], after["number"]) == ("signed", None)
    registers = (await people.clerk.get("/api/v1/registers")).json()
    assert {r["last_number"] for r in registers} == {0}

    monkeypatch.setattr(DocumentService, "summary", staticmethod(real))
    done = await people.clerk.post(f"/api/v1/documents/{doc['id']}/issue")
    assert done.json()["number"] == "01"
