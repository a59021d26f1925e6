"""The load-test tenant: the reference province's 6,700 users spread over its units (ARCHITECTURE.md:
492 units, 6,700 users), with Vietnamese names, a mobile number and an e-mail each, all sharing the
demo password and TOTP secret so a load generator can sign any of them in. Never in production.

Each unit gets at least a clerk, a leader and an agency administrator; the rest are specialists,
and units higher up get more people (a province department has more staff than a commune office).
One argon2 hash serves every user (they share the password), so generating is quick.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity_service.agency.repository import AgencyRepository
from identity_service.config import Settings
from identity_service.dependencies import Context
from identity_service.models import Agency, Role
from identity_service.otp.service import totp as totp_service
from identity_service.password.service import password as password_service
from kit_core import Clock

from .repository import UserRepository
from .schemas import UserCreate
from .seed import DEMO_PASSWORD, DEMO_TOTP_SECRET
from .service import user as user_service

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Đinh", "Trịnh", "Mai")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Hữu", "Ngọc", "Quang", "Thu", "Xuân")
GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hòa",
    "Hùng",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Trang",
    "Tuấn",
    "Yến",
)
TIER_WEIGHT = {"province": 3, "district": 2, "commune": 1}
FIRST_ROLES = (Role.CLERK, Role.LEADER, Role.AGENCY_ADMIN)


@dataclass(frozen=True)
class LoadUser:
    username: str
    full_name: str
    agency: Agency
    role: Role
    phone: str
    email: str


def plan(agencies: list[Agency], total: int) -> list[LoadUser]:
    """``total`` users over ``agencies``: three per unit first, the rest by tier weight. Deterministic."""
    if total < 3 * len(agencies):
        raise ValueError(
            f"{total} users cannot give each of the {len(agencies)} units a clerk, leader and admin"
        )
    weights = [TIER_WEIGHT.get(a.tier, 1) for a in agencies]
    extra, spread = total - 3 * len(agencies), sum(weights)
    counts = [3 + extra * w // spread for w in weights]
    for i in range(total - sum(counts)):  # what the rounding left, one each from the top
        counts[i % len(counts)] += 1
    users: list[LoadUser] = []
    for unit, (agency, count) in enumerate(zip(agencies, counts, strict=True)):
        for n in range(count):
            k = len(users)
            users.append(
                LoadUser(
                    username=f"u{unit:03d}.{n:03d}",
                    full_name=f"{SURNAMES[k % len(SURNAMES)]} {MIDDLE[k // 13 % len(MIDDLE)]} "
                    f"{GIVEN[k // 7 % len(GIVEN)]}",
                    agency=agency,
                    role=FIRST_ROLES[n] if n < len(FIRST_ROLES) else Role.SPECIALIST,
                    phone=f"+8491{k:07d}",
                    email=f"u{unit:03d}.{n:03d}@loadtest.ninhbinh.gov.vn",
                )
            )
    return users


async def generate_load_users(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    total: int = 6700,
    clock: Clock | None = None,
    batch: int = 200,
) -> tuple[int, int]:
    """Create the users that are missing (safe to run again); returns (created, planned)."""
    if settings.env == "production":
        raise RuntimeError("load-test users with a published password are never created in production")
    ctx = Context.offline(settings, clock)
    async with sessionmaker() as session:
        agencies = await AgencyRepository(session).served_here()
    if not agencies:
        raise ValueError("no agency has replicated yet: seed routing's directory first")
    wanted = plan(agencies, total)
    password_hash = await password_service.hash(settings, DEMO_PASSWORD)
    created = 0
    for start in range(0, len(wanted), batch):
        async with sessionmaker() as session, session.begin():
            users = UserRepository(session)
            for load in wanted[start : start + batch]:
                if await users.by_username(load.username) is not None:
                    continue
                user = await user_service.create(
                    session,
                    ctx,
                    UserCreate(
                        username=load.username,
                        full_name=load.full_name,
                        agency_id=load.agency.id,
                        roles=[load.role],
                        phone=load.phone,
                        email=load.email,
                    ),
                    actor=None,
                )
                user.password_hash, user.password_changed_at = password_hash, ctx.now()
                await totp_service.install_known(session, ctx, user, DEMO_TOTP_SECRET)
                created += 1
    return created, len(wanted)
