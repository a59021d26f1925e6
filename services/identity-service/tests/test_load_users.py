"""The load-test tenant: 6,700 users over the reference province's units, and the command that makes them."""

from __future__ import annotations

import uuid

import pyotp
import pytest
from identity_harness import DISTRICT, PROVINCE, Identity
from sqlalchemy import func, select

from identity_service import models
from identity_service.models import Role
from identity_service.user.load import generate_load_users, plan
from identity_service.user.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET
from kit_bus.outbox import SOURCE
from kit_contracts import Tier
from kit_db import make_engine, make_sessionmaker


def test_the_reference_tenant_gets_exactly_6700_users_each_unit_staffed():
    # Ninh Bình's 492 units as the routing generator makes them: 243 province, 104 district, 145 commune.
    tiers = ["province"] * 243 + ["district"] * 104 + ["commune"] * 145
    agencies = [
        models.Agency(id=uuid.uuid4(), code=f"{i:03d}", name=str(i), tier=t) for i, t in enumerate(tiers)
    ]
    users = plan(agencies, 6700)
    assert len(users) == 6700
    assert len({u.username for u in users}) == 6700
    assert len({u.phone for u in users}) == 6700
    per_unit: dict[str, list[Role]] = {}
    for u in users:
        per_unit.setdefault(u.agency.code, []).append(u.role)
    assert len(per_unit) == 492
    assert all(roles[:3] == [Role.CLERK, Role.LEADER, Role.AGENCY_ADMIN] for roles in per_unit.values())
    sizes = {u.agency.tier: len(per_unit[u.agency.code]) for u in users}
    assert sizes["province"] > sizes["district"] > sizes["commune"] >= 3
    assert all(u.phone.startswith("+8491") and len(u.phone) == 12 for u in users)
    with pytest.raises(ValueError, match="clerk, leader and admin"):
        plan(agencies, 1000)


async def test_generate_creates_users_who_can_sign_in_and_is_safe_to_repeat(identity: Identity):
    await identity.agency(PROVINCE)
    await identity.agency(DISTRICT)
    await identity.agency(("000.00.00.G22", "Văn phòng Chính phủ", Tier.CENTRAL))
    engine = make_engine(url=identity.running.database_url, pool_size=2)
    try:
        maker = make_sessionmaker(engine, **{SOURCE: identity.settings.service_name})
        created, planned = await generate_load_users(maker, identity.settings, total=20, clock=identity.clock)
        assert (created, planned) == (20, 20)
        assert await generate_load_users(maker, identity.settings, total=20, clock=identity.clock) == (0, 20)
    finally:
        await engine.dispose()
    async with identity.session() as session:
        central = (
            await session.execute(select(models.Agency.id).where(models.Agency.code == "000.00.00.G22"))
        ).scalar_one()
        members = (
            await session.execute(
                select(func.count())
                .select_from(models.Membership)
                .where(models.Membership.agency_id == central)
            )
        ).scalar_one()
    assert members == 0  # central agencies are reached through the axis: nobody of theirs signs in here

    identity.tick(30)
    challenge = await identity.login("u000.003", DEMO_PASSWORD)
    assert challenge.status_code == 200, challenge.text
    assert "totp" in challenge.json()["factors"]
    code = pyotp.TOTP(DEMO_TOTP_SECRET).at(identity.clock.now())
    tokens = await identity.verify(challenge.json(), code)
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["agency"]["roles"] == ["specialist"]
