"""A small demo tenant for ``make run``: Ninh Bình's provincial committee, a few departments, one
district with two communes, and the Government Office reached through the national axis.

Codes follow QCVN 102 (level 1 on the right). H42 for Ninh Bình is inferred from the alphabetical
order of province codes (see DOMAIN.md §2.1); lower-level numbers are illustrative.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_contracts import Tier

from .repository import OrgRepository
from .schemas import OrgCreate
from .service import org as org_service

# (code, name, short name, tier, parent code, external)
DEMO: tuple[tuple[str, str, str | None, Tier, str | None, bool], ...] = (
    ("000.00.00.G22", "Văn phòng Chính phủ", "VPCP", Tier.CENTRAL, None, True),
    ("000.00.00.H42", "Ủy ban nhân dân tỉnh Ninh Bình", "UBND", Tier.PROVINCE, None, False),
    (
        "000.00.01.H42",
        "Văn phòng Ủy ban nhân dân tỉnh Ninh Bình",
        "VP",
        Tier.PROVINCE,
        "000.00.00.H42",
        False,
    ),
    ("000.00.02.H42", "Sở Nội vụ tỉnh Ninh Bình", "SNV", Tier.PROVINCE, "000.00.00.H42", False),
    ("000.00.03.H42", "Sở Tài chính tỉnh Ninh Bình", "STC", Tier.PROVINCE, "000.00.00.H42", False),
    ("000.00.15.H42", "Ủy ban nhân dân huyện Kim Sơn", "UBND", Tier.DISTRICT, "000.00.00.H42", False),
    ("000.01.15.H42", "Ủy ban nhân dân thị trấn Phát Diệm", "UBND", Tier.COMMUNE, "000.00.15.H42", False),
    ("000.02.15.H42", "Ủy ban nhân dân xã Kim Chính", "UBND", Tier.COMMUNE, "000.00.15.H42", False),
)


async def seed_demo(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Create the demo agencies that are missing; returns how many were created. Safe to run again."""
    created = 0
    async with sessionmaker() as session, session.begin():
        repo = OrgRepository(session)
        for code, name, short_name, tier, parent_code, external in DEMO:
            if await repo.by_code(code) is not None:
                continue
            parent = await repo.by_code(parent_code) if parent_code else None
            await org_service.create(
                session,
                OrgCreate(
                    code=code,
                    name=name,
                    short_name=short_name,
                    tier=tier,
                    parent_id=parent.id if parent else None,
                    external=external,
                ),
            )
            created += 1
    return created
