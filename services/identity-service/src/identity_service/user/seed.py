"""Demo users for ``make run``: in three of the demo agencies (which arrive by replication from
routing-service's seed), one user per role, all with the same known password and TOTP secret.
Never in production."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity_service.agency.repository import AgencyRepository
from identity_service.config import Settings
from identity_service.dependencies import Context
from identity_service.models import Role
from identity_service.otp.service import totp as totp_service
from identity_service.password.service import password as password_service
from kit_core import Clock

from .repository import UserRepository
from .schemas import UserCreate
from .service import user as user_service

DEMO_PASSWORD = "Ninh Bình demo 2026"  # noqa: S105 - published on purpose: demo data on 127.0.0.1
DEMO_TOTP_SECRET = "NZUW42BNMJUW42BNMRSW23ZNORXXI4BB"  # noqa: S105 - base32 of "ninh-binh-demo-totp!"

# (agency code, username prefix)
DEMO_AGENCIES = (("000.00.00.H42", "tinh"), ("000.00.01.H42", "vp"), ("000.00.15.H42", "kimson"))
# (username suffix, role, full names per agency)
DEMO_ROLES = (
    ("quantri", Role.AGENCY_ADMIN, ("Nguyễn Văn Quân", "Trần Thị Quyên", "Lê Văn Quang")),
    ("vanthu", Role.CLERK, ("Phạm Thị Thu", "Hoàng Văn Thư", "Vũ Thị Thúy")),
    ("lanhdao", Role.LEADER, ("Đinh Văn Đạo", "Bùi Thị Lan", "Ngô Văn Lâm")),
    ("chuyenvien", Role.SPECIALIST, ("Đặng Thị Viên", "Đỗ Văn Chuyên", "Trịnh Thị Vân")),
)
SYSTEM_ADMIN = ("quantri", "Mai Xuân Hệ", "000.00.01.H42")  # the province's IT staff sit in its office


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    agency_code: str
    roles: tuple[Role, ...]


@dataclass
class DemoSeed:
    created: int = 0
    users: list[DemoUser] = field(default_factory=list)
    missing_agencies: list[str] = field(default_factory=list)

    def describe(self, base_url: str) -> str:
        """How to log in, for the console (Vietnamese: people read it)."""
        if not self.users:
            return (
                "  Đăng nhập:  chưa có người dùng mẫu (các đơn vị "
                f"{', '.join(self.missing_agencies)} chưa đồng bộ sang identity-service).\n"
            )
        names = ", ".join(u.username for u in self.users[:6]) + (", …" if len(self.users) > 6 else "")
        lines = [
            f"  Đăng nhập:  {len(self.users)} người dùng mẫu ({names}); mật khẩu: {DEMO_PASSWORD}",
            "              mỗi đơn vị có <đơn vị>.quantri, .vanthu, .lanhdao, .chuyenvien "
            "(tinh = 000.00.00.H42, vp = 000.00.01.H42, kimson = 000.00.15.H42); quantri = quản trị hệ thống",
            f"              mã TOTP (khóa bí mật {DEMO_TOTP_SECRET}, dùng chung cho người dùng mẫu):",
            f"              uv run python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"",
            f"              bước 1: curl -s {base_url}/api/v1/auth/login -H 'content-type: application/json' "
            f'-d \'{{"username": "tinh.vanthu", "password": "{DEMO_PASSWORD}"}}\'',
            f"              bước 2: POST {base_url}/api/v1/auth/login/verify "
            '{"challenge_id": "…", "factor": "totp", "code": "<mã 6 số>"} → access_token',
        ]
        if self.missing_agencies:
            lines.append(f"              (chưa có đơn vị {', '.join(self.missing_agencies)}: bỏ qua)")
        return "\n".join(lines) + "\n"


async def _wait_for_agencies(
    sessionmaker: async_sessionmaker[AsyncSession], codes: list[str], wait_seconds: float
) -> set[str]:
    deadline = time.monotonic() + wait_seconds
    while True:
        async with sessionmaker() as session:
            found = set(await AgencyRepository(session).by_codes(codes))
        if len(found) == len(codes) or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(0.2)


async def seed_demo_users(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    clock: Clock | None = None,
    wait_seconds: float = 30.0,
) -> DemoSeed:
    """Create the demo users that are missing (safe to run again). Waits up to ``wait_seconds`` for
    the demo agencies to replicate; seeds the agencies that did."""
    if settings.env == "production":
        raise RuntimeError("demo users with a published password are never created in production")
    ctx = Context.offline(settings, clock)
    codes = [code for code, _ in DEMO_AGENCIES]
    present = await _wait_for_agencies(sessionmaker, codes, wait_seconds)
    seed = DemoSeed(missing_agencies=[c for c in codes if c not in present])
    wanted: list[DemoUser] = []
    for index, (code, prefix) in enumerate(DEMO_AGENCIES):
        if code in present:
            wanted += [
                DemoUser(f"{prefix}.{suffix}", names[index], code, (role,))
                for suffix, role, names in DEMO_ROLES
            ]
    if SYSTEM_ADMIN[2] in present:
        wanted.insert(
            0,
            DemoUser(
                SYSTEM_ADMIN[0], SYSTEM_ADMIN[1], SYSTEM_ADMIN[2], (Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN)
            ),
        )
    password_hash = await password_service.hash(settings, DEMO_PASSWORD)  # once: every demo user shares it
    async with sessionmaker() as session, session.begin():
        agencies = await AgencyRepository(session).by_codes(codes)
        users = UserRepository(session)
        for demo in wanted:
            seed.users.append(demo)
            if await users.by_username(demo.username) is not None:
                continue
            user = await user_service.create(
                session,
                ctx,
                UserCreate(
                    username=demo.username,
                    full_name=demo.full_name,
                    agency_id=agencies[demo.agency_code].id,
                    roles=list(demo.roles),
                    # Codes by e-mail land in <var>/mail, by SMS in the simulator (/sms-simulator/messages).
                    email=f"{demo.username}@demo.ninhbinh.gov.vn",
                    phone=f"+8491{len(seed.users):07d}",
                ),
                actor=None,
            )
            user.password_hash, user.password_changed_at = password_hash, ctx.now()
            await totp_service.install_known(session, ctx, user, DEMO_TOTP_SECRET)
            seed.created += 1
    return seed
