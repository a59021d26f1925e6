from dataclasses import dataclass, field
from typing import Final

# Central agencies the sandbox plays itself (QCVN 102 code, QĐ 20 code, name). G codes after the 2025
# mergers (DOMAIN.md §2.3), which are UNCONFIRMED in detail: this is test data, not a directory.
CENTRAL_AGENCIES: Final = (
    ("000.00.00.G22", "G22", "Văn phòng Chính phủ"),
    ("000.00.00.G09", "G09", "Bộ Nội vụ"),
    ("000.00.00.G12", "G12", "Bộ Tài chính"),
    ("000.00.00.G02", "G02", "Bộ Công Thương"),
    ("000.00.00.G03", "G03", "Bộ Giáo dục và Đào tạo"),
    ("000.00.00.G10", "G10", "Bộ Nông nghiệp và Môi trường"),
    ("000.00.00.G15", "G15", "Bộ Tư pháp"),
    ("000.00.00.G18", "G18", "Bộ Y tế"),
)


@dataclass(frozen=True)
class SystemSpec:
    """A connected system (mã trung tâm liên thông): its secret and the agencies it starts with.

    A system also serves every agency under the level-1 group (``MX1X2``) of its root agencies, the way a
    provincial hub serves its subtree.
    """

    secret: str
    agencies: tuple[tuple[str, str], ...]  # (QCVN 102 code, name)


@dataclass(frozen=True)
class SandboxConfig:
    systems: dict[str, SystemSpec] = field(
        default_factory=lambda: {
            "000.00.00.H42": SystemSpec(
                secret="dev-insecure-change-me",  # noqa: S106 - the development default, as in kit_core
                agencies=(("000.00.00.H42", "UBND tỉnh Ninh Bình"),),
            )
        }
    )
    admin_token: str = "sandbox-admin"  # noqa: S105 - a test double's switch, not a credential
    # Seconds between the central agencies' answers: received → 01, then 03, 05, 06.
    ack_delays: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
    max_package_bytes: int = 50 * 1024 * 1024
    acknowledge: bool = True
