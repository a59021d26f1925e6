"""``python -m egov_gateway directory sync``: the axis's agencies against egov's directory replica."""

from __future__ import annotations

import csv
import io
from uuid import uuid4

import pytest
from axis_support import OTHER_SECRET, OTHER_SYSTEM, sandbox_in_process, sandbox_on_uvicorn
from test_exchange import HOME_AFFAIRS, OFFICE, gateway, settings

from egov_gateway.commands import directory, sync
from egov_gateway.directory_sync.axis_sync import COLUMNS, tier_of
from kit_bus.testing import DIALECTS, eventually, publish
from kit_contracts import OrgCreated, Tier

FINANCE_OLD = OrgCreated(
    org_id=uuid4(), code="000.00.00.G12", name="Bộ Tài chính (cũ)", tier=Tier.CENTRAL, external=True
)
GONE = OrgCreated(
    org_id=uuid4(), code="000.00.00.G99", name="Ủy ban Dân tộc", tier=Tier.CENTRAL, external=True
)


def rows_of(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_the_sync_reports_new_changed_and_gone_and_writes_routings_import_format(dialect, tmp_path):
    async with sandbox_in_process() as sandbox, gateway(dialect, tmp_path, sandbox) as service:
        async with sandbox.client(system=OTHER_SYSTEM, secret=OTHER_SECRET) as hanoi:
            await hanoi.register_agency(
                id="H26.05",
                pcode="000.00.00.H26",
                code="000.00.05.H26",
                name="Sở Nội vụ Hà Nội",
                mail="snv@hanoi.gov.vn",
            )
        await publish(service.bus, [FINANCE_OLD, GONE])
        config = settings(service.database_url, sandbox)

        async def replicated():
            result = await sync(config, transport=sandbox.transport)
            return result if result.gone else None

        result = await eventually(replicated)
        new = {c.code for c in result.new}
        assert new == {
            "000.00.00.G02",
            "000.00.00.G03",
            "000.00.00.G10",
            "000.00.00.G15",
            "000.00.00.G18",
            "000.00.00.H26",
            "000.00.05.H26",
        }
        [changed] = result.changed
        assert changed.code == FINANCE_OLD.code
        assert changed.reasons == ["name: Bộ Tài chính (cũ) → Bộ Tài chính"]
        assert [c.code for c in result.gone] == [GONE.code]
        assert result.unchanged == 2  # Bộ Nội vụ and Văn phòng Chính phủ, as replicated
        assert result.served_here == 1  # our own 000.00.00.H42 is routing's, not the axis's
        report = result.report()
        assert "new: 7, changed: 1, gone: 1, unchanged: 2" in report
        assert "gone     000.00.00.G99  Ủy ban Dân tộc (no longer on the axis)" in report

        rows = {row["code"]: row for row in rows_of(result.csv())}
        assert tuple(rows_of(result.csv())[0]) == COLUMNS
        district = rows["000.00.05.H26"]
        assert (district["tier"], district["parent_code"], district["email"]) == (
            "district",
            "000.00.00.H26",
            "snv@hanoi.gov.vn",
        )
        assert (district["external"], district["active"], district["qd20_code"]) == ("true", "true", "H26.05")
        assert rows["000.00.00.G12"]["name"] == "Bộ Tài chính"
        assert rows["000.00.00.G12"]["qd20_code"] == "G12"
        assert (rows[GONE.code]["active"], rows[GONE.code]["tier"]) == ("false", "central")
        assert HOME_AFFAIRS.code not in rows
        assert OFFICE.code not in rows

        # routing's own parser takes the file as it is (the workspace installs every service)
        from routing_service.org import csvio

        parsed, errors = csvio.parse(csvio.decode(result.csv()))
        assert errors == []
        assert len(parsed) == len(rows)

        # routing's export keeps the columns egov does not replicate
        export = "\ufeffcode,name,tier,short_name,address\r\n000.00.00.G12,Bộ Tài chính (cũ),central,BTC,Số 28 Trần Hưng Đạo\r\n"
        merged = await sync(config, export=export.encode(), transport=sandbox.transport)
        finance = {row["code"]: row for row in rows_of(merged.csv())}["000.00.00.G12"]
        assert (finance["short_name"], finance["address"], finance["name"]) == (
            "BTC",
            "Số 28 Trần Hưng Đạo",
            "Bộ Tài chính",
        )


async def test_the_command_prints_the_report_and_writes_the_file_over_http(tmp_path, capsys):
    async with sandbox_on_uvicorn() as sandbox, gateway("sqlite", tmp_path, sandbox) as service:
        out = tmp_path / "axis.csv"
        code = await directory(settings(service.database_url, sandbox), ["sync", "--out", str(out)])
        assert code == 0
        printed = capsys.readouterr().out
        assert "new: 7, changed: 0, gone: 0, unchanged: 2, served here (left to routing): 1" in printed
        assert f"python -m routing_service orgs import {out}" in printed
        assert len(rows_of(out.read_bytes())) == 7
        unreachable = settings(service.database_url, None)
        assert await directory(unreachable, ["sync", "--out", str(tmp_path / "none.csv")]) == 1
        assert "the axis could not be read" in capsys.readouterr().out
        assert not (tmp_path / "none.csv").exists()


def test_the_tier_is_guessed_from_the_code():
    assert tier_of("000.00.00.G09") == "central"
    assert tier_of("000.00.00.H26") == "province"
    assert tier_of("000.00.05.H26") == "district"
    assert tier_of("000.12.05.H26") == "commune"
