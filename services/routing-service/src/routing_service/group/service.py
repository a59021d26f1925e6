from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from kit_contracts import Tier
from kit_core import new_id
from routing_service import models
from routing_service.org.repository import OrgRepository
from routing_service.org.schemas import TIER_RANK

from .exceptions import GroupNameTaken, GroupNotFound, RuleDoesNotFit, UnknownMember, UnknownRuleNode
from .repository import RecipientGroupRepository
from .schemas import GroupKind, GroupRule, RecipientGroup, RecipientGroupCreate, RuleType


def _view(group: models.RecipientGroup, members: list[UUID] | None) -> RecipientGroup:
    rule = None
    if group.kind == GroupKind.DYNAMIC and group.rule is not None and group.node_id is not None:
        rule = GroupRule(
            type=RuleType(group.rule), node_id=group.node_id, tier=Tier(group.tier) if group.tier else None
        )
    return RecipientGroup(
        id=group.id,
        owner_id=group.owner_id,
        name=group.name,
        description=group.description,
        kind=GroupKind(group.kind),
        members=members if group.kind == GroupKind.STATIC else None,
        rule=rule,
        created_at=group.created_at,
    )


class RecipientGroupService:
    async def create(
        self, session: AsyncSession, owner: models.Org, data: RecipientGroupCreate
    ) -> RecipientGroup:
        groups = RecipientGroupRepository(session)
        orgs = OrgRepository(session)
        if await groups.of_owner_by_name(owner.id, data.name) is not None:
            raise GroupNameTaken(f"{owner.name} ({owner.code}) already has a group named {data.name!r}")
        members = list(data.members or [])
        existing = await orgs.existing_ids(members)
        if missing := [m for m in members if m not in existing]:
            raise UnknownMember(
                f"no agency with id {', '.join(str(m) for m in missing)}", missing=[str(m) for m in missing]
            )
        rule = data.rule
        if rule is not None:
            node = await orgs.get(rule.node_id)
            if node is None:
                raise UnknownRuleNode(f"the rule names agency {rule.node_id}, which does not exist")
            self._check_rule(rule, node)
        group = await groups.add(
            models.RecipientGroup(
                id=new_id(),
                owner_id=owner.id,
                name=data.name,
                description=data.description,
                kind=data.kind.value,
                rule=rule.type.value if rule else None,
                node_id=rule.node_id if rule else None,
                tier=rule.tier.value if rule and rule.tier else None,
                created_at=datetime.now(UTC),
            )
        )
        await groups.add_members(group.id, members)
        return _view(group, (await groups.member_ids([group.id])).get(group.id, []))

    @staticmethod
    def _check_rule(rule: GroupRule, node: models.Org) -> None:
        label = f"{node.name} ({node.code})"
        if rule.type is RuleType.COMMUNES_OF_DISTRICT and node.tier != Tier.DISTRICT:
            raise RuleDoesNotFit(
                f"{label} is {node.tier}-tier; communes_of_district needs a district-tier agency"
            )
        if (
            rule.type is RuleType.TIER_UNDER
            and rule.tier is not None
            and TIER_RANK[rule.tier] < TIER_RANK[node.tier]
        ):
            raise RuleDoesNotFit(
                f"{label} is {node.tier}-tier: no {rule.tier.value}-tier agency can be below it"
            )

    async def list(self, session: AsyncSession, owner: models.Org) -> builtins.list[RecipientGroup]:
        groups = RecipientGroupRepository(session)
        found = await groups.of_owner(owner.id)
        members = await groups.member_ids([g.id for g in found if g.kind == GroupKind.STATIC])
        return [_view(g, members.get(g.id, [])) for g in found]

    async def get_model(
        self, session: AsyncSession, owner: models.Org, group_id: UUID
    ) -> models.RecipientGroup:
        group = await RecipientGroupRepository(session).of_owner_by_id(owner.id, group_id)
        if group is None:
            raise GroupNotFound(f"{owner.name} ({owner.code}) has no group {group_id}")
        return group

    async def get(self, session: AsyncSession, owner: models.Org, group_id: UUID) -> RecipientGroup:
        group = await self.get_model(session, owner, group_id)
        members = await RecipientGroupRepository(session).member_ids([group.id])
        return _view(group, members.get(group.id, []))

    async def delete(self, session: AsyncSession, owner: models.Org, group_id: UUID) -> None:
        group = await self.get_model(session, owner, group_id)
        await RecipientGroupRepository(session).delete(group)

    async def members(self, session: AsyncSession, owner: models.Org, group_id: UUID) -> Sequence[models.Org]:
        """The group's agencies as the directory stands now; inactive agencies are left out."""
        group = await self.get_model(session, owner, group_id)
        if group.kind == GroupKind.STATIC:
            return await RecipientGroupRepository(session).active_members(group.id)
        if group.node_id is None or group.rule is None:
            return []
        rule = RuleType(group.rule)
        tiers = None
        if rule is RuleType.COMMUNES_OF_DISTRICT:
            tiers = [Tier.COMMUNE.value]
        elif rule is RuleType.TIER_UNDER and group.tier:
            tiers = [group.tier]
        rows = await OrgRepository(session).subtree(
            group.node_id, tiers=tiers, include_root=rule is RuleType.SUBTREE, active=True
        )
        return [org for org, _ in rows]


group = RecipientGroupService()
