"""Compare the axis's agency list (``getAgenciesList``) with egov's directory replica, and write the
differences as a CSV in routing-service's import format (``routing_service orgs import FILE.csv``).

egov never writes routing's directory: an operator reviews the report and imports the file. Agencies
under this installation's own level-1 group (the ``MX1X2`` of ``EGOV_AXIS_SYSTEM_ID``) are served here;
routing-service owns them and they are left out. Every other agency is external:

- **new**: on the axis, not in the replica → a row, ``external`` true, tier guessed from the code;
- **changed**: name, parent, QĐ 20 code or activity differ → a row with the axis's values;
- **gone**: an active external agency of the replica no longer on the axis → a row with ``active`` false.

routing's import replaces every column of a row it updates; the replica does not hold short names,
addresses or websites, so pass routing's own export (``--export``) to carry them over unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from egov_gateway import models
from egov_gateway.axis import AxisAgency
from egov_gateway.exchange import canonical_organ_id

COLUMNS: Final = (
    "code",
    "qd20_code",
    "name",
    "short_name",
    "tier",
    "parent_code",
    "address",
    "phone",
    "email",
    "website",
    "active",
    "external",
)
_QD20: Final = re.compile(r"^[0-9A-Z]+(?:\.[0-9A-Z]+)*$", re.ASCII)
_PHONE: Final = re.compile(r"^\+?[0-9 .\-()]+$", re.ASCII)
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def level1(code: str) -> str:
    return code.rsplit(".", 1)[-1]


def tier_of(code: str) -> str:
    """A guess from the code's shape (DOMAIN.md §2.1): G… central; no lower group province; the
    level-2 group alone district; anything below commune. Review it before importing."""
    level4, level3, level2, group = code.split(".")
    if group.startswith("G") and level2 == "00" and level3 == "00":
        return "central"
    if level2 == "00" and level3 == "00" and level4 == "000":
        return "province"
    if level3 == "00" and level4 == "000":
        return "district"
    return "commune"


@dataclass
class Change:
    code: str
    name: str
    reasons: list[str]


@dataclass
class SyncPlan:
    new: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    gone: list[Change] = field(default_factory=list)
    unchanged: int = 0
    served_here: int = 0
    unreadable: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)

    def report(self) -> str:
        lines = [
            f"new: {len(self.new)}, changed: {len(self.changed)}, gone: {len(self.gone)}, "
            f"unchanged: {self.unchanged}, served here (left to routing): {self.served_here}"
        ]
        for label, changes in (("new", self.new), ("changed", self.changed), ("gone", self.gone)):
            for change in changes:
                why = f" ({'; '.join(change.reasons)})" if change.reasons else ""
                lines.append(f"{label:8} {change.code}  {change.name}{why}")
        lines.extend(f"skipped  {raw}: not a QCVN 102 code" for raw in self.unreadable)
        return "\n".join(lines) + "\n"

    def csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in self.rows:
            writer.writerow([_escape(row.get(column, "")) for column in COLUMNS])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _escape(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _clean(value: str | None, pattern: re.Pattern[str]) -> str:
    value = (value or "").strip()
    return value if value and pattern.fullmatch(value) else ""


def read_export(data: bytes) -> dict[str, dict[str, str]]:
    """routing's ``export.csv``, by code: the columns egov does not replicate."""
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        values = {k: (v[1:] if v.startswith("'") else v) for k, v in row.items() if k}
        if values.get("code"):
            rows[values["code"]] = values
    return rows


def plan(
    axis: Iterable[AxisAgency],
    replica: Sequence[models.DirectoryEntry],
    *,
    own_group: str,
    export: Mapping[str, Mapping[str, str]] | None = None,
) -> SyncPlan:
    result = SyncPlan()
    export = export or {}
    by_code: dict[str, models.DirectoryEntry] = {}
    for replicated in sorted(replica, key=lambda e: (e.active, e.updated_at)):
        by_code[replicated.code] = replicated  # the active, most recent one wins
    code_of = {e.agency_id: e.code for e in replica}
    listed: dict[str, AxisAgency] = {}
    for agency in axis:
        try:
            listed[canonical_organ_id(agency.code102)] = agency
        except ValueError:
            result.unreadable.append(agency.code102)
    known = set(by_code) | set(listed)
    for code, agency in sorted(listed.items()):
        if level1(code) == own_group:
            result.served_here += 1
            continue
        parent = ""
        if agency.pcode:
            try:
                parent = canonical_organ_id(agency.pcode)
            except ValueError:
                parent = ""
        if parent not in known:
            parent = ""
        entry = by_code.get(code)
        base = dict(export.get(code, {}))
        row = {
            **{column: base.get(column, "") for column in COLUMNS},
            "code": code,
            "qd20_code": _clean(agency.code, _QD20) or base.get("qd20_code", ""),
            "name": agency.name.strip()[:255],
            "tier": entry.tier if entry is not None else (base.get("tier") or tier_of(code)),
            "parent_code": parent,
            "phone": _clean(agency.mobile, _PHONE) or base.get("phone", ""),
            "email": _clean(agency.mail, _EMAIL) or base.get("email", ""),
            "active": "true",
            "external": "true",
        }
        if entry is None:
            result.new.append(Change(code, row["name"], []))
            result.rows.append(row)
            continue
        reasons = []
        if entry.name != row["name"]:
            reasons.append(f"name: {entry.name} → {row['name']}")
        current_parent = code_of.get(entry.parent_id, "") if entry.parent_id else ""
        if current_parent != parent:
            reasons.append(f"parent: {current_parent or 'none'} → {parent or 'none'}")
        if not entry.active:
            reasons.append("active again")
        if not entry.external:
            reasons.append("reached through the axis")
        if base and base.get("qd20_code", "") != row["qd20_code"]:
            reasons.append(f"QĐ 20 code: {base.get('qd20_code') or 'none'} → {row['qd20_code'] or 'none'}")
        if reasons:
            result.changed.append(Change(code, row["name"], reasons))
            result.rows.append(row)
        else:
            result.unchanged += 1
    for code, old in sorted(by_code.items()):
        if code in listed or not old.external or not old.active or level1(code) == own_group:
            continue
        base = dict(export.get(code, {}))
        parent = code_of.get(old.parent_id, "") if old.parent_id else ""
        result.gone.append(Change(code, old.name, ["no longer on the axis"]))
        result.rows.append(
            {
                **{column: base.get(column, "") for column in COLUMNS},
                "code": code,
                "name": old.name,
                "tier": old.tier,
                "parent_code": parent,
                "active": "false",
                "external": "true",
            }
        )
    return result
