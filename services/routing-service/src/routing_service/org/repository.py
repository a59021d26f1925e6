from collections.abc import Collection, Sequence
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Select, and_, func, literal_column, select
from sqlalchemy.orm import aliased

from kit_db import RepositoryBase
from routing_service import models

# Four tiers, and QCVN 102 codes have four levels: a deeper walk means corrupt data, not a tree.
MAX_DEPTH: Final = 32


class OrgRepository(RepositoryBase[models.Org]):
    model = models.Org

    async def by_code(self, code: str) -> models.Org | None:
        return (
            await self.session.execute(select(models.Org).where(models.Org.code == code))
        ).scalar_one_or_none()

    async def by_qd20_code(self, code: str) -> models.Org | None:
        return (
            await self.session.execute(select(models.Org).where(models.Org.qd20_code == code))
        ).scalar_one_or_none()

    async def all(self) -> Sequence[models.Org]:
        return (await self.session.execute(select(models.Org).order_by(models.Org.code))).scalars().all()

    async def codes(self) -> dict[str, UUID]:
        rows = await self.session.execute(select(models.Org.code, models.Org.id))
        return {row.code: row.id for row in rows}

    async def existing_ids(self, ids: Collection[UUID]) -> set[UUID]:
        if not ids:
            return set()
        rows = await self.session.execute(select(models.Org.id).where(models.Org.id.in_(list(ids))))
        return set(rows.scalars())

    async def children(self, org_id: UUID) -> Sequence[models.Org]:
        stmt = select(models.Org).where(models.Org.parent_id == org_id).order_by(models.Org.code)
        return (await self.session.execute(stmt)).scalars().all()

    def _filtered(
        self,
        stmt: Select[Any],
        *,
        terms: Sequence[str],
        tier: str | None,
        parent_id: UUID | None,
        active: bool | None,
        external: bool | None,
    ) -> Select[Any]:
        conditions = [models.Org.search_text.contains(term, autoescape=True) for term in terms]
        if tier is not None:
            conditions.append(models.Org.tier == tier)
        if parent_id is not None:
            conditions.append(models.Org.parent_id == parent_id)
        if active is not None:
            conditions.append(models.Org.active.is_(active))
        if external is not None:
            conditions.append(models.Org.external.is_(external))
        return stmt.where(and_(*conditions)) if conditions else stmt

    async def search(
        self,
        *,
        terms: Sequence[str] = (),
        tier: str | None = None,
        parent_id: UUID | None = None,
        active: bool | None = None,
        external: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[models.Org]:
        stmt = self._filtered(
            select(models.Org), terms=terms, tier=tier, parent_id=parent_id, active=active, external=external
        )
        stmt = stmt.order_by(models.Org.code).limit(limit).offset(offset)
        found: Sequence[models.Org] = (await self.session.execute(stmt)).scalars().all()
        return found

    async def count_matching(
        self,
        *,
        terms: Sequence[str] = (),
        tier: str | None = None,
        parent_id: UUID | None = None,
        active: bool | None = None,
        external: bool | None = None,
    ) -> int:
        stmt = self._filtered(
            select(func.count()).select_from(models.Org),
            terms=terms,
            tier=tier,
            parent_id=parent_id,
            active=active,
            external=external,
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def subtree(
        self,
        root_id: UUID,
        *,
        tiers: Collection[str] | None = None,
        include_root: bool = True,
        active: bool | None = None,
    ) -> list[tuple[models.Org, int]]:
        """The root and everything below it, with each agency's depth, parents before children."""
        # literal_column, not a bound 0: PostgreSQL must see the same integer type in both terms.
        tree = (
            select(models.Org.id.label("id"), literal_column("0").label("depth"))
            .where(models.Org.id == root_id)
            .cte("tree", recursive=True)
        )
        child = aliased(models.Org)
        tree = tree.union_all(
            select(child.id, tree.c.depth + 1).where(child.parent_id == tree.c.id, tree.c.depth < MAX_DEPTH)
        )
        stmt = select(models.Org, tree.c.depth).join(tree, tree.c.id == models.Org.id)
        if tiers is not None:
            stmt = stmt.where(models.Org.tier.in_(list(tiers)))
        if not include_root:
            stmt = stmt.where(tree.c.depth > 0)
        if active is not None:
            stmt = stmt.where(models.Org.active.is_(active))
        stmt = stmt.order_by(tree.c.depth, models.Org.code)
        return [(org, int(depth)) for org, depth in (await self.session.execute(stmt)).all()]

    async def ancestor_ids(self, org_id: UUID) -> list[UUID]:
        """``org_id`` and the ids above it, nearest first, up to its root."""
        up = (
            select(
                models.Org.id.label("id"),
                models.Org.parent_id.label("parent_id"),
                literal_column("0").label("depth"),
            )
            .where(models.Org.id == org_id)
            .cte("up", recursive=True)
        )
        parent = aliased(models.Org)
        up = up.union_all(
            select(parent.id, parent.parent_id, up.c.depth + 1).where(
                parent.id == up.c.parent_id, up.c.depth < MAX_DEPTH
            )
        )
        rows = await self.session.execute(select(up.c.id).order_by(up.c.depth))
        return list(rows.scalars())

    async def by_ids(self, ids: Collection[UUID]) -> dict[UUID, models.Org]:
        if not ids:
            return {}
        rows = await self.session.execute(select(models.Org).where(models.Org.id.in_(list(ids))))
        return {org.id: org for org in rows.scalars()}

    async def by_codes(self, codes: Collection[str]) -> dict[str, models.Org]:
        """By canonical QCVN 102 code."""
        if not codes:
            return {}
        rows = await self.session.execute(select(models.Org).where(models.Org.code.in_(list(codes))))
        return {org.code: org for org in rows.scalars()}

    async def by_qd20_codes(self, codes: Collection[str]) -> dict[str, models.Org]:
        if not codes:
            return {}
        rows = await self.session.execute(select(models.Org).where(models.Org.qd20_code.in_(list(codes))))
        return {org.qd20_code: org for org in rows.scalars() if org.qd20_code is not None}
