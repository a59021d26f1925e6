"""The Ninh Bình demo tenant: ``small`` (eight agencies, for quick runs) or ``full`` (492 units).

The full tenant has the size of Ninh Bình's 2017 interconnection (492 units over the province,
its district-level units and its communes; DOMAIN.md §7) in the three local tiers:

* **province** (243): Ủy ban nhân dân tỉnh ``000.00.00.H42``; 21 departments and agencies
  (sở/ban/ngành) at level 2 ``000.00.NN.H42``; 221 units inside them at level 3 ``000.MM.NN.H42``.
* **district** (104): the eight district-level committees at level 2 ``000.00.09.H42`` …
  ``000.00.16.H42`` (Ninh Bình and Tam Điệp cities; Nho Quan, Gia Viễn, Hoa Lư, Yên Khánh, Kim Sơn,
  Yên Mô), each with its twelve specialised offices at level 3 ``000.60.NN.H42`` … ``000.71.NN.H42``.
* **commune** (145): the communes, wards and townships at level 3 ``000.MM.NN.H42``, ``MM`` from 01,
  under their district's committee.

Plus central agencies reached through the national axis (tier central, external): Văn phòng Chính
phủ ``000.00.00.G22`` and the ministries whose G codes QĐ 09/2025 kept (DOMAIN.md §2.3), with the
same letter code as their QĐ 20 code.

What is real and what is generated:

* Real: the province, the district-level units and their names; the departments' names; the
  standard offices of a district committee; the standard units named in ``_DEPARTMENTS``; the
  communes, wards and townships of Ninh Bình and Tam Điệp cities; the district townships (thị
  trấn); xã Kim Chính (Kim Sơn).
* Generated, and named so that nobody mistakes them for real ones: every other commune, named after
  its district and a number ("Ủy ban nhân dân xã Kim Sơn 07"); the other units inside departments
  ("Đơn vị trực thuộc 05, Sở Y tế tỉnh Ninh Bình"). The number of communes per district is that of
  about 2017, as far as known.
* Inferred, like every code here: H42 for Ninh Bình (the alphabetical order of province codes,
  DOMAIN.md §2.1), and every number below level 1, which is illustrative. Codes are data: edit
  them through the API or a CSV import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit_contracts import Tier

from .repository import OrgRepository
from .schemas import OrgCreate
from .service import org as org_service

Variant = Literal["small", "full"]
PROVINCE: Final = "000.00.00.H42"
FULL_LOCAL_UNITS: Final = 492


@dataclass(frozen=True)
class DemoOrg:
    code: str
    name: str
    short_name: str | None
    tier: Tier
    parent_code: str | None = None
    external: bool = False
    qd20_code: str | None = None
    website: str | None = None


def _level2(number: int) -> str:
    return f"000.00.{number:02d}.H42"


def _level3(parent_number: int, number: int) -> str:
    return f"000.{number:02d}.{parent_number:02d}.H42"


_CENTRAL: Final = (
    ("G22", "Văn phòng Chính phủ", "VPCP"),
    ("G01", "Bộ Công an", "BCA"),
    ("G02", "Bộ Công Thương", "BCT"),
    ("G03", "Bộ Giáo dục và Đào tạo", "BGDĐT"),
    ("G06", "Bộ Khoa học và Công nghệ", "BKHCN"),
    ("G08", "Bộ Ngoại giao", "BNG"),
    ("G09", "Bộ Nội vụ", "BNV"),
    ("G11", "Bộ Quốc phòng", "BQP"),
    ("G12", "Bộ Tài chính", "BTC"),
    ("G15", "Bộ Tư pháp", "BTP"),
    ("G16", "Bộ Văn hóa, Thể thao và Du lịch", "BVHTTDL"),
    ("G17", "Bộ Xây dựng", "BXD"),
    ("G18", "Bộ Y tế", "BYT"),
    ("G19", "Ngân hàng Nhà nước Việt Nam", "NHNN"),
    ("G20", "Thanh tra Chính phủ", "TTCP"),
)

_SO = ("Văn phòng Sở", "VP"), ("Thanh tra Sở", "TTr")

# (level-2 number, name, short name, standard units inside it as (name, short name))
_DEPARTMENTS: Final[tuple[tuple[int, str, str, tuple[tuple[str, str | None], ...]], ...]] = (
    (
        1,
        "Văn phòng Ủy ban nhân dân tỉnh Ninh Bình",
        "VP",
        (
            ("Ban Tiếp công dân tỉnh Ninh Bình", "BTCD"),
            ("Trung tâm Phục vụ hành chính công tỉnh Ninh Bình", "TTPVHCC"),
        ),
    ),
    (
        2,
        "Sở Nội vụ tỉnh Ninh Bình",
        "SNV",
        (
            *_SO,
            ("Ban Thi đua - Khen thưởng tỉnh Ninh Bình", "BTĐKT"),
            ("Ban Tôn giáo tỉnh Ninh Bình", "BTG"),
            ("Chi cục Văn thư - Lưu trữ tỉnh Ninh Bình", "CCVTLT"),
        ),
    ),
    (
        3,
        "Sở Tài chính tỉnh Ninh Bình",
        "STC",
        (
            *_SO,
            ("Phòng Quản lý ngân sách", "QLNS"),
            ("Phòng Tài chính hành chính sự nghiệp", "HCSN"),
            ("Phòng Quản lý giá và công sản", "QLGCS"),
            ("Phòng Tài chính đầu tư", "TCĐT"),
        ),
    ),
    (4, "Sở Kế hoạch và Đầu tư tỉnh Ninh Bình", "SKHĐT", (*_SO, ("Phòng Đăng ký kinh doanh", "ĐKKD"))),
    (
        5,
        "Sở Tư pháp tỉnh Ninh Bình",
        "STP",
        (
            *_SO,
            ("Phòng Hành chính tư pháp", "HCTP"),
            ("Trung tâm Trợ giúp pháp lý nhà nước tỉnh Ninh Bình", "TTTGPL"),
        ),
    ),
    (
        6,
        "Sở Y tế tỉnh Ninh Bình",
        "SYT",
        (
            *_SO,
            ("Chi cục Dân số - Kế hoạch hóa gia đình tỉnh Ninh Bình", "CCDS"),
            ("Chi cục An toàn vệ sinh thực phẩm tỉnh Ninh Bình", "CCATVSTP"),
            ("Trung tâm Kiểm soát bệnh tật tỉnh Ninh Bình", "CDC"),
            ("Bệnh viện Đa khoa tỉnh Ninh Bình", "BVĐK"),
            ("Trung tâm Y tế thành phố Ninh Bình", "TTYT"),
            ("Trung tâm Y tế thành phố Tam Điệp", "TTYT"),
            ("Trung tâm Y tế huyện Nho Quan", "TTYT"),
            ("Trung tâm Y tế huyện Gia Viễn", "TTYT"),
            ("Trung tâm Y tế huyện Hoa Lư", "TTYT"),
            ("Trung tâm Y tế huyện Yên Khánh", "TTYT"),
            ("Trung tâm Y tế huyện Kim Sơn", "TTYT"),
            ("Trung tâm Y tế huyện Yên Mô", "TTYT"),
        ),
    ),
    (7, "Sở Giáo dục và Đào tạo tỉnh Ninh Bình", "SGDĐT", _SO),
    (8, "Sở Công Thương tỉnh Ninh Bình", "SCT", _SO),
    (17, "Sở Xây dựng tỉnh Ninh Bình", "SXD", _SO),
    (18, "Sở Giao thông vận tải tỉnh Ninh Bình", "SGTVT", _SO),
    (
        19,
        "Sở Nông nghiệp và Phát triển nông thôn tỉnh Ninh Bình",
        "SNN",
        (
            *_SO,
            ("Chi cục Kiểm lâm tỉnh Ninh Bình", "CCKL"),
            ("Chi cục Thủy lợi tỉnh Ninh Bình", "CCTL"),
            ("Chi cục Chăn nuôi và Thú y tỉnh Ninh Bình", "CCCNTY"),
            ("Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Ninh Bình", "CCTTBVTV"),
        ),
    ),
    (
        20,
        "Sở Tài nguyên và Môi trường tỉnh Ninh Bình",
        "STNMT",
        (
            *_SO,
            ("Chi cục Bảo vệ môi trường tỉnh Ninh Bình", "CCBVMT"),
            ("Văn phòng Đăng ký đất đai tỉnh Ninh Bình", "VPĐKĐĐ"),
        ),
    ),
    (21, "Sở Lao động - Thương binh và Xã hội tỉnh Ninh Bình", "SLĐTBXH", _SO),
    (22, "Sở Văn hóa và Thể thao tỉnh Ninh Bình", "SVHTT", _SO),
    (23, "Sở Du lịch tỉnh Ninh Bình", "SDL", _SO),
    (
        24,
        "Sở Khoa học và Công nghệ tỉnh Ninh Bình",
        "SKHCN",
        (*_SO, ("Chi cục Tiêu chuẩn Đo lường Chất lượng tỉnh Ninh Bình", "CCTĐC")),
    ),
    (25, "Sở Thông tin và Truyền thông tỉnh Ninh Bình", "STTTT", _SO),
    (26, "Thanh tra tỉnh Ninh Bình", "TTr", (("Văn phòng Thanh tra tỉnh Ninh Bình", "VP"),)),
    (
        27,
        "Ban Quản lý các khu công nghiệp tỉnh Ninh Bình",
        "BQLKCN",
        (("Văn phòng Ban Quản lý các khu công nghiệp tỉnh Ninh Bình", "VP"),),
    ),
    (
        28,
        "Ban Quản lý Quần thể danh thắng Tràng An",
        "BQLTA",
        (("Văn phòng Ban Quản lý Quần thể danh thắng Tràng An", "VP"),),
    ),
    (29, "Đài Phát thanh và Truyền hình Ninh Bình", "ĐPTTH", ()),
)
_DEPARTMENT_UNITS: Final = 221

# (level-2 number, "thành phố" | "huyện", name, communes: real names first, then the total count)
_DISTRICTS: Final[tuple[tuple[int, str, str, tuple[str, ...], int], ...]] = (
    (
        9,
        "thành phố",
        "Ninh Bình",
        (
            "phường Đông Thành",
            "phường Tân Thành",
            "phường Thanh Bình",
            "phường Vân Giang",
            "phường Bích Đào",
            "phường Phúc Thành",
            "phường Nam Thành",
            "phường Nam Bình",
            "phường Ninh Khánh",
            "phường Ninh Phong",
            "phường Ninh Sơn",
            "xã Ninh Nhất",
            "xã Ninh Tiến",
            "xã Ninh Phúc",
        ),
        14,
    ),
    (
        10,
        "thành phố",
        "Tam Điệp",
        (
            "phường Bắc Sơn",
            "phường Trung Sơn",
            "phường Nam Sơn",
            "phường Tây Sơn",
            "phường Yên Bình",
            "phường Tân Bình",
            "xã Quang Sơn",
            "xã Yên Sơn",
            "xã Đông Sơn",
        ),
        9,
    ),
    (11, "huyện", "Nho Quan", ("thị trấn Nho Quan",), 27),
    (12, "huyện", "Gia Viễn", ("thị trấn Me",), 21),
    (13, "huyện", "Hoa Lư", ("thị trấn Thiên Tôn",), 11),
    (14, "huyện", "Yên Khánh", ("thị trấn Yên Ninh",), 19),
    (15, "huyện", "Kim Sơn", ("thị trấn Phát Diệm", "xã Kim Chính", "thị trấn Bình Minh"), 27),
    (16, "huyện", "Yên Mô", ("thị trấn Yên Thịnh",), 17),
)
_OFFICES_FROM: Final = 60


def _offices(kind: str, place: str) -> tuple[tuple[str, str], ...]:
    where = f"{kind} {place}"
    common = (
        (f"Văn phòng Hội đồng nhân dân và Ủy ban nhân dân {where}", "VP"),
        (f"Phòng Nội vụ {where}", "PNV"),
        (f"Phòng Tư pháp {where}", "PTP"),
        (f"Phòng Tài chính - Kế hoạch {where}", "PTCKH"),
        (f"Phòng Tài nguyên và Môi trường {where}", "PTNMT"),
        (f"Phòng Lao động - Thương binh và Xã hội {where}", "PLĐTBXH"),
        (f"Phòng Văn hóa và Thông tin {where}", "PVHTT"),
        (f"Phòng Giáo dục và Đào tạo {where}", "PGDĐT"),
        (f"Phòng Y tế {where}", "PYT"),
        (f"Thanh tra {where}", "TTr"),
    )
    if kind == "thành phố":
        return (*common, (f"Phòng Kinh tế {where}", "PKT"), (f"Phòng Quản lý đô thị {where}", "PQLĐT"))
    return (
        *common,
        (f"Phòng Kinh tế và Hạ tầng {where}", "PKTHT"),
        (f"Phòng Nông nghiệp và Phát triển nông thôn {where}", "PNN"),
    )


def _unit_name(unit: str, department: str) -> str:
    if unit in ("Văn phòng Sở", "Thanh tra Sở"):
        return f"{unit} {department.removeprefix('Sở ')}"
    if "Ninh Bình" in unit or "Tràng An" in unit:
        return unit
    return f"{unit}, {department}"


def _central() -> list[DemoOrg]:
    return [
        DemoOrg(f"000.00.00.{code}", name, short, Tier.CENTRAL, external=True, qd20_code=code)
        for code, name, short in _CENTRAL
    ]


def _province() -> DemoOrg:
    return DemoOrg(
        PROVINCE,
        "Ủy ban nhân dân tỉnh Ninh Bình",
        "UBND",
        Tier.PROVINCE,
        qd20_code="H42",
        website="https://ninhbinh.gov.vn",
    )


def _full() -> list[DemoOrg]:
    orgs = [*_central(), _province()]
    generated = _DEPARTMENT_UNITS - sum(len(units) for *_, units in _DEPARTMENTS)
    extra = {number: 0 for number, *_ in _DEPARTMENTS}
    for i in range(generated):  # spread the generated units evenly over the departments
        extra[_DEPARTMENTS[i % len(_DEPARTMENTS)][0]] += 1
    for number, name, short, units in _DEPARTMENTS:
        code = _level2(number)
        orgs.append(DemoOrg(code, name, short, Tier.PROVINCE, PROVINCE))
        for n, (unit, unit_short) in enumerate(units, start=1):
            orgs.append(DemoOrg(_level3(number, n), _unit_name(unit, name), unit_short, Tier.PROVINCE, code))
        for n in range(len(units) + 1, len(units) + extra[number] + 1):
            orgs.append(
                DemoOrg(_level3(number, n), f"Đơn vị trực thuộc {n:02d}, {name}", None, Tier.PROVINCE, code)
            )
    for number, kind, place, real, total in _DISTRICTS:
        code = _level2(number)
        orgs.append(DemoOrg(code, f"Ủy ban nhân dân {kind} {place}", "UBND", Tier.DISTRICT, PROVINCE))
        for n in range(1, total + 1):
            commune = real[n - 1] if n <= len(real) else f"xã {place} {n:02d}"
            orgs.append(DemoOrg(_level3(number, n), f"Ủy ban nhân dân {commune}", "UBND", Tier.COMMUNE, code))
        for n, (office, short) in enumerate(_offices(kind, place), start=_OFFICES_FROM):
            orgs.append(DemoOrg(_level3(number, n), office, short, Tier.DISTRICT, code))
    return orgs


_SMALL_CODES: Final = frozenset(
    {
        "000.00.00.G22",
        PROVINCE,
        _level2(1),
        _level2(2),
        _level2(3),
        _level2(15),
        _level3(15, 1),
        _level3(15, 2),
    }
)


def demo_tenant(variant: Variant | str = "small") -> list[DemoOrg]:
    """The agencies of a variant, each after its parent. ``small`` is a subset of ``full``."""
    if variant == "full":
        return _full()
    if variant == "small":
        return [o for o in _full() if o.code in _SMALL_CODES]
    raise ValueError(f"unknown demo tenant {variant!r}: use 'small' or 'full'")


async def seed_demo(sessionmaker: async_sessionmaker[AsyncSession], variant: Variant | str = "small") -> int:
    """Create the demo agencies that are missing; returns how many were created. Safe to run again."""
    wanted = demo_tenant(variant)
    created = 0
    async with sessionmaker() as session, session.begin():
        ids = await OrgRepository(session).codes()
        for demo in wanted:
            if demo.code in ids:
                continue
            org = await org_service.create(
                session,
                OrgCreate(
                    code=demo.code,
                    qd20_code=demo.qd20_code,
                    name=demo.name,
                    short_name=demo.short_name,
                    tier=demo.tier,
                    parent_id=ids[demo.parent_code] if demo.parent_code else None,
                    website=demo.website,
                    external=demo.external,
                ),
            )
            ids[org.code] = org.id
            created += 1
    return created
