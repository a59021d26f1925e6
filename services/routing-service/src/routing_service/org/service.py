from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_bus import outbox
from kit_contracts import OrgCreated, OrgUpdated, Tier
from kit_core import new_id
from routing_service import models

from . import csvio
from .exceptions import (
    ImportRejected,
    MalformedAgencyCode,
    OrgCodeTaken,
    OrgNotFound,
    ParentCycle,
    TierOrder,
    UnknownParent,
)
from .repository import OrgRepository
from .schemas import (
    TIER_RANK,
    ImportReport,
    OrgCreate,
    OrgUpdate,
    RowError,
    canonical_code,
    fold,
    is_qcvn102,
    is_qd20,
    search_text,
)


def _label(org: models.Org) -> str:
    return f"{org.name} ({org.code})"


def _event_fields(org: models.Org) -> dict[str, Any]:
    return {
        "org_id": org.id,
        "code": org.code,
        "qd20_code": org.qd20_code,
        "name": org.name,
        "short_name": org.short_name,
        "tier": Tier(org.tier),
        "parent_id": org.parent_id,
        "external": org.external,
        "active": org.active,
    }


def _diff(org: models.Org, changes: dict[str, Any]) -> dict[str, Any]:
    return {field: value for field, value in changes.items() if getattr(org, field) != value}


def _apply(org: models.Org, diff: dict[str, Any], *, at: datetime) -> bool:
    if not diff:
        return False
    for field, value in diff.items():
        setattr(org, field, value)
    org.search_text = search_text(org.name, org.short_name, org.code, org.qd20_code)
    org.updated_at = at
    return True


class OrgService:
    async def create(self, session: AsyncSession, data: OrgCreate) -> models.Org:
        repo = OrgRepository(session)
        code = canonical_code(data.code)
        if await repo.by_code(code) is not None:
            raise OrgCodeTaken(f"agency code {code} is already used by another agency")
        if data.qd20_code is not None and (holder := await repo.by_qd20_code(data.qd20_code)) is not None:
            raise OrgCodeTaken(f"QĐ 20 code {data.qd20_code} is already used by {_label(holder)}")
        await self._check_parent(
            repo, None, label=f"{data.name} ({code})", parent_id=data.parent_id, tier=data.tier
        )
        org = await repo.add(
            models.Org(
                id=new_id(),
                code=code,
                code_raw=data.code if data.code != code else None,
                qd20_code=data.qd20_code,
                name=data.name,
                short_name=data.short_name,
                tier=data.tier.value,
                parent_id=data.parent_id,
                address=data.address,
                phone=data.phone,
                email=data.email,
                website=data.website,
                external=data.external,
                active=True,
                search_text=search_text(data.name, data.short_name, code, data.qd20_code),
                created_at=datetime.now(UTC),
            )
        )
        await outbox.add(session, OrgCreated(**_event_fields(org)))
        return org

    async def get(self, session: AsyncSession, org_id: UUID) -> models.Org:
        org = await OrgRepository(session).get(org_id)
        if org is None:
            raise OrgNotFound(f"no agency with id {org_id}")
        return org

    async def get_by_code(self, session: AsyncSession, code: str) -> models.Org:
        """By QCVN 102 code (canonical or short form) or by QĐ 20 code."""
        repo = OrgRepository(session)
        code = code.strip()
        if not is_qcvn102(code) and not is_qd20(code):
            raise MalformedAgencyCode(
                f"{code!r} is neither a QCVN 102 code (like 000.00.00.H42) nor a QĐ 20/2020 code "
                "(capital letters, digits and dots, like G09.20)"
            )
        org = await repo.by_code(canonical_code(code)) if is_qcvn102(code) else None
        if org is None and is_qd20(code):
            org = await repo.by_qd20_code(code)
        if org is None:
            raise OrgNotFound(f"no agency with code {code}")
        return org

    async def get_many_by_code(self, session: AsyncSession, codes: Sequence[str]) -> dict[str, models.Org]:
        """``get_by_code`` for many codes in two queries: each code found, as given; the rest are absent."""
        repo = OrgRepository(session)
        wanted = {c: c.strip() for c in codes}
        canonical = {c: canonical_code(v) for c, v in wanted.items() if is_qcvn102(v)}
        found_102 = await repo.by_codes(set(canonical.values()))
        found = {c: found_102[v] for c, v in canonical.items() if v in found_102}
        rest = {c: v for c, v in wanted.items() if c not in found and is_qd20(v)}
        found_qd20 = await repo.by_qd20_codes(set(rest.values()))
        found.update({c: found_qd20[v] for c, v in rest.items() if v in found_qd20})
        return found

    async def list(
        self,
        session: AsyncSession,
        *,
        q: str | None = None,
        tier: Tier | None = None,
        parent_id: UUID | None = None,
        active: bool | None = None,
        external: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[Sequence[models.Org], int]:
        repo = OrgRepository(session)
        filters: dict[str, Any] = {
            "terms": fold(q).split() if q else [],
            "tier": tier.value if tier else None,
            "parent_id": parent_id,
            "active": active,
            "external": external,
        }
        return await repo.search(**filters, limit=limit, offset=offset), await repo.count_matching(**filters)

    async def subtree(
        self,
        session: AsyncSession,
        org: models.Org,
        *,
        tier: Tier | None = None,
        include_self: bool = True,
        active: bool | None = None,
    ) -> builtins.list[tuple[models.Org, int]]:
        return await OrgRepository(session).subtree(
            org.id, tiers=[tier.value] if tier else None, include_root=include_self, active=active
        )

    async def update(self, session: AsyncSession, org: models.Org, data: OrgUpdate) -> models.Org:
        repo = OrgRepository(session)
        changes = data.model_dump(exclude_unset=True)
        if "code" in changes:
            raw = changes.pop("code")
            code = canonical_code(raw)
            if code != org.code:
                if (holder := await repo.by_code(code)) is not None:
                    raise OrgCodeTaken(f"agency code {code} is already used by {_label(holder)}")
                changes["code"] = code
                changes["code_raw"] = raw if raw != code else None
            elif raw != code:
                changes["code_raw"] = raw
        qd20 = changes.get("qd20_code")
        if (
            qd20 is not None
            and qd20 != org.qd20_code
            and (holder := await repo.by_qd20_code(qd20)) is not None
        ):
            raise OrgCodeTaken(f"QĐ 20 code {qd20} is already used by {_label(holder)}")
        if "tier" in changes:
            changes["tier"] = Tier(changes["tier"]).value
        tier = changes.get("tier", org.tier)
        if "parent_id" in changes or "tier" in changes:
            await self._check_parent(
                repo, org, label=_label(org), parent_id=changes.get("parent_id", org.parent_id), tier=tier
            )
        if tier != org.tier:
            for child in await repo.children(org.id):
                if TIER_RANK[child.tier] < TIER_RANK[tier]:
                    raise TierOrder(
                        f"{_label(org)} cannot become {tier}-tier: {_label(child)} under it is {child.tier}-tier"
                    )
        if _apply(org, _diff(org, changes), at=datetime.now(UTC)):
            await session.flush()
            await outbox.add(session, OrgUpdated(**_event_fields(org)))
        return org

    async def _check_parent(
        self, repo: OrgRepository, org: models.Org | None, *, label: str, parent_id: UUID | None, tier: str
    ) -> None:
        if parent_id is None:
            return
        if org is not None and parent_id == org.id:
            raise ParentCycle(f"{label} cannot be its own parent")
        parent = await repo.get(parent_id)
        if parent is None:
            raise UnknownParent(f"parent agency {parent_id} does not exist")
        if org is not None and org.id in await repo.ancestor_ids(parent.id):
            raise ParentCycle(
                f"{label} cannot be placed under {_label(parent)}, which is inside its own subtree"
            )
        if TIER_RANK[parent.tier] > TIER_RANK[tier]:
            raise TierOrder(
                f"{label} is {tier}-tier and cannot be placed under {_label(parent)}, which is {parent.tier}-tier"
            )

    async def export_csv(self, session: AsyncSession) -> bytes:
        orgs = await OrgRepository(session).all()
        by_id = {o.id: o for o in orgs}
        children: dict[UUID | None, list[models.Org]] = defaultdict(list)
        for org in orgs:  # already in code order
            children[org.parent_id if org.parent_id in by_id else None].append(org)
        ordered: list[models.Org] = []
        stack = list(reversed(children[None]))
        while stack:
            org = stack.pop()
            ordered.append(org)
            stack.extend(reversed(children[org.id]))

        def cell(value: str | None) -> str:
            return value or ""

        return csvio.render(
            [
                cell(o.code),
                cell(o.qd20_code),
                o.name,
                cell(o.short_name),
                o.tier,
                by_id[o.parent_id].code if o.parent_id in by_id else "",
                cell(o.address),
                cell(o.phone),
                cell(o.email),
                cell(o.website),
                "true" if o.active else "false",
                "true" if o.external else "false",
            ]
            for o in ordered
        )

    async def import_csv(self, session: AsyncSession, data: bytes) -> ImportReport:
        """All or nothing: every row is checked against the file and the directory before any change."""
        try:
            text = csvio.decode(data)
        except ValueError as exc:
            raise ImportRejected(
                "the file cannot be read; nothing was imported",
                errors=[RowError(row=1, column=None, message=str(exc)).model_dump()],
            ) from None
        parsed, errors = csvio.parse(text)
        existing = await OrgRepository(session).all()
        plan = _ImportPlan(existing, parsed, errors)
        if plan.errors:
            rows = len({e.row for e in plan.errors})
            raise ImportRejected(
                f"{len(plan.errors)} problem(s) on {rows} row(s); nothing was imported",
                errors=[e.model_dump() for e in sorted(plan.errors, key=lambda e: e.row)],
            )
        return await plan.apply(session)


class _ImportPlan:
    """The directory as it would be after the import, checked as a whole."""

    def __init__(
        self, existing: Sequence[models.Org], parsed: Sequence[csvio.ParsedRow], errors: list[RowError]
    ) -> None:
        self.errors = list(errors)
        self.by_code = {o.code: o for o in existing}
        code_of = {o.id: o.code for o in existing}
        self.rows: dict[str, csvio.ParsedRow] = {}
        for item in parsed:
            code = canonical_code(item.row.code)
            if code in self.rows:
                self._error(item, "code", f"{code} already appears on row {self.rows[code].number}")
            else:
                self.rows[code] = item
        # Final parent (by code) and tier of every agency, the file's rows overriding the directory.
        self.parent: dict[str, str | None] = {
            o.code: code_of.get(o.parent_id) if o.parent_id else None for o in existing
        }
        self.tier: dict[str, str] = {o.code: o.tier for o in existing}
        self.name: dict[str, str] = {o.code: o.name for o in existing}
        for code, item in self.rows.items():
            self.parent[code] = canonical_code(item.row.parent_code) if item.row.parent_code else None
            self.tier[code] = item.row.tier.value
            self.name[code] = item.row.name
        self._check_qd20(existing)
        self._check_parents()

    def _error(self, item: csvio.ParsedRow, column: str | None, message: str) -> None:
        self.errors.append(RowError(row=item.number, column=column, message=message))

    def _label(self, code: str) -> str:
        return f"{self.name[code]} ({code})"

    def _check_qd20(self, existing: Sequence[models.Org]) -> None:
        holders = {o.qd20_code: o.code for o in existing if o.qd20_code and o.code not in self.rows}
        in_file: dict[str, csvio.ParsedRow] = {}
        for item in self.rows.values():
            qd20 = item.row.qd20_code
            if qd20 is None:
                continue
            if qd20 in holders:
                self._error(
                    item, "qd20_code", f"QĐ 20 code {qd20} is already used by {self._label(holders[qd20])}"
                )
            elif qd20 in in_file:
                self._error(
                    item, "qd20_code", f"QĐ 20 code {qd20} already appears on row {in_file[qd20].number}"
                )
            else:
                in_file[qd20] = item

    def _check_parents(self) -> None:
        for code, item in self.rows.items():
            parent = self.parent[code]
            if parent is None:
                continue
            if parent == code:
                self._error(item, "parent_code", "an agency cannot be its own parent")
                self.parent[code] = None
            elif parent not in self.tier:
                self._error(
                    item, "parent_code", f"no agency with code {parent} in the directory or in this file"
                )
                self.parent[code] = None
        for code, item in self.rows.items():
            path = [code]
            node = self.parent[code]
            while node is not None and node not in path and len(path) <= len(self.parent):
                path.append(node)
                node = self.parent.get(node)
            if node == code:
                chain = " → ".join(self._label(c) for c in [*path, code])
                self._error(
                    item, "parent_code", f"this would place the agency inside its own subtree: {chain}"
                )
                continue
            parent = self.parent[code]
            tier = self.tier[code]
            if parent is not None and TIER_RANK[self.tier[parent]] > TIER_RANK[tier]:
                self._error(
                    item,
                    "parent_code",
                    f"a {tier}-tier agency cannot be placed under {self._label(parent)}, "
                    f"which is {self.tier[parent]}-tier",
                )
        for child, parent in self.parent.items():
            if child in self.rows or parent is None or parent not in self.rows:
                continue
            if TIER_RANK[self.tier[parent]] > TIER_RANK[self.tier[child]]:
                self._error(
                    self.rows[parent],
                    "tier",
                    f"{self._label(child)} under this agency is {self.tier[child]}-tier; "
                    f"its parent cannot be {self.tier[parent]}-tier",
                )

    async def apply(self, session: AsyncSession) -> ImportReport:
        now = datetime.now(UTC)
        ids = {code: self.by_code[code].id for code in self.by_code}
        new = [code for code in self.rows if code not in self.by_code]
        ids.update({code: new_id() for code in new})

        def values(row: csvio.OrgRow, code: str) -> dict[str, Any]:
            parent = self.parent[code]
            return {
                "qd20_code": row.qd20_code,
                "name": row.name,
                "short_name": row.short_name,
                "tier": row.tier.value,
                "parent_id": ids[parent] if parent else None,
                "address": row.address,
                "phone": row.phone,
                "email": row.email,
                "website": row.website,
                "active": row.active,
                "external": row.external,
            }

        diffs: list[tuple[models.Org, dict[str, Any]]] = []
        unchanged = 0
        for code, item in self.rows.items():
            org = self.by_code.get(code)
            if org is None:
                continue
            changes = values(item.row, code)
            if item.row.code != code:
                changes["code_raw"] = item.row.code
            if diff := _diff(org, changes):
                diffs.append((org, diff))
            else:
                unchanged += 1
        # A QĐ 20 code may move between agencies in one file: free the moving ones first.
        moving = [org for org, diff in diffs if "qd20_code" in diff and org.qd20_code is not None]
        for org in moving:
            org.qd20_code = None
        if moving:
            await session.flush()

        created: list[models.Org] = []
        placed: set[str] = set()

        def place(code: str) -> None:
            # Parents first, so each insert finds its parent's row.
            if code in placed:
                return
            placed.add(code)
            parent = self.parent[code]
            if parent in self.rows and parent not in self.by_code:
                place(parent)
            row = self.rows[code].row
            org = models.Org(
                id=ids[code],
                code=code,
                code_raw=row.code if row.code != code else None,
                created_at=now,
                **values(row, code),
            )
            org.search_text = search_text(org.name, org.short_name, org.code, org.qd20_code)
            session.add(org)
            created.append(org)

        for code in new:
            place(code)
        await session.flush()

        changed = [org for org, diff in diffs if _apply(org, diff, at=now)]
        await session.flush()
        await outbox.add_many(session, [OrgCreated(**_event_fields(org)) for org in created])
        await outbox.add_many(session, [OrgUpdated(**_event_fields(org)) for org in changed])
        return ImportReport(created=len(created), updated=len(changed), unchanged=unchanged)


org = OrgService()
