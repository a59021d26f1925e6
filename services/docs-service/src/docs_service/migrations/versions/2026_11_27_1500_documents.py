"""documents: types and urgency code tables (seeded), documents, their versions and incoming flags

Revision ID: 0002_documents
Revises: 0001_docs
Create Date: 2026-11-27 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit_db import UTCDateTime

revision: str = "0002_documents"
down_revision: str | None = "0001_docs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of the seed: a migration must not change when the app does. NĐ 30/2020 Điều 7 and
# Phụ lục III, in the order of Điều 7; case matters (QyĐ, CTr, TTr); Công văn and Thư công have no
# abbreviation. edXML Type/TypeDetail are unconfirmed in QCVN 102 (1 = legal-normative, 2 =
# administrative, the detail numbering the list): operators change them in this table, not in code.
ADMINISTRATIVE = [
    ("nghi_quyet", "Nghị quyết", "NQ"),
    ("quyet_dinh", "Quyết định", "QĐ"),
    ("chi_thi", "Chỉ thị", "CT"),
    ("quy_che", "Quy chế", "QC"),
    ("quy_dinh", "Quy định", "QyĐ"),
    ("thong_cao", "Thông cáo", "TC"),
    ("thong_bao", "Thông báo", "TB"),
    ("huong_dan", "Hướng dẫn", "HD"),
    ("chuong_trinh", "Chương trình", "CTr"),
    ("ke_hoach", "Kế hoạch", "KH"),
    ("phuong_an", "Phương án", "PA"),
    ("de_an", "Đề án", "ĐA"),
    ("du_an", "Dự án", "DA"),
    ("bao_cao", "Báo cáo", "BC"),
    ("bien_ban", "Biên bản", "BB"),
    ("to_trinh", "Tờ trình", "TTr"),
    ("hop_dong", "Hợp đồng", "HĐ"),
    ("cong_van", "Công văn", None),
    ("cong_dien", "Công điện", "CĐ"),
    ("ban_ghi_nho", "Bản ghi nhớ", "BGN"),
    ("ban_thoa_thuan", "Bản thỏa thuận", "BTT"),
    ("giay_uy_quyen", "Giấy ủy quyền", "GUQ"),
    ("giay_moi", "Giấy mời", "GM"),
    ("giay_gioi_thieu", "Giấy giới thiệu", "GGT"),
    ("giay_nghi_phep", "Giấy nghỉ phép", "GNP"),
    ("phieu_gui", "Phiếu gửi", "PG"),
    ("phieu_chuyen", "Phiếu chuyển", "PC"),
    ("phieu_bao", "Phiếu báo", "PB"),
    ("thu_cong", "Thư công", None),
]
# Legal-normative types an agency may issue, each numbered in a series of its own (Điều 15.1).
LEGAL = [
    ("nghi_quyet_qppl", "Nghị quyết", "NQ", 5),
    ("nghi_dinh", "Nghị định", "NĐ", 7),
    ("quyet_dinh_qppl", "Quyết định", "QĐ", 8),
    ("thong_tu", "Thông tư", "TT", 9),
    ("thong_tu_lien_tich", "Thông tư liên tịch", "TTLT", 10),
]
URGENCY = [
    ("thuong", "Thường", 0),
    ("khan", "Khẩn", 1),
    ("thuong_khan", "Thượng khẩn", 2),
    ("hoa_toc", "Hỏa tốc", 3),
    ("hoa_toc_hen_gio", "Hỏa tốc hẹn giờ", 4),
]


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        op.execute("SET statement_timeout = '60s'")
    document_type = op.create_table(
        "document_type",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("abbreviation", sa.String(10), nullable=True),
        sa.Column("family", sa.String(16), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("edxml_type", sa.BigInteger(), nullable=True),
        sa.Column("edxml_type_detail", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_document_type"),
    )
    urgency_code = op.create_table(
        "urgency_code",
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("edxml_priority", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("urgency", name="pk_urgency_code"),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("type_code", sa.String(32), nullable=True),
        sa.Column("type_name", sa.String(100), nullable=False),
        sa.Column("type_abbreviation", sa.String(10), nullable=True),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("confidentiality", sa.String(16), nullable=False),
        sa.Column("signer_competence", sa.String(5), nullable=True),
        sa.Column("signer_position", sa.String(100), nullable=True),
        sa.Column("signer_name", sa.String(100), nullable=True),
        sa.Column("place", sa.String(100), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("page_count", sa.BigInteger(), nullable=True),
        sa.Column("copies", sa.BigInteger(), nullable=True),
        sa.Column("recipients_text", sa.Text(), nullable=True),
        sa.Column("drafting_unit", sa.String(20), nullable=True),
        sa.Column("answers_to_id", sa.Uuid(), nullable=True),
        sa.Column("replaces_id", sa.Uuid(), nullable=True),
        sa.Column("register_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.BigInteger(), nullable=True),
        sa.Column("number_text", sa.String(11), nullable=True),
        sa.Column("notation", sa.String(30), nullable=True),
        sa.Column("exchange_id", sa.String(100), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("signed_by", sa.Uuid(), nullable=True),
        sa.Column("signed_at", UTCDateTime(), nullable=True),
        sa.Column("sealed_by", sa.Uuid(), nullable=True),
        sa.Column("sealed_at", UTCDateTime(), nullable=True),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column("issued_at", UTCDateTime(), nullable=True),
        sa.Column("recalled_at", UTCDateTime(), nullable=True),
        sa.Column("recall_reason", sa.String(1000), nullable=True),
        sa.Column("replaced_by_id", sa.Uuid(), nullable=True),
        sa.Column("delivery_id", sa.Uuid(), nullable=True),
        sa.Column("sender_org_id", sa.Uuid(), nullable=True),
        sa.Column("sender_org_code", sa.String(13), nullable=True),
        sa.Column("sender_name", sa.String(255), nullable=True),
        sa.Column("source_document_id", sa.Uuid(), nullable=True),
        sa.Column("received_summary", sa.JSON(), nullable=True),
        sa.Column("arrival_register_id", sa.Uuid(), nullable=True),
        sa.Column("arrival_number", sa.BigInteger(), nullable=True),
        sa.Column("arrival_date", sa.Date(), nullable=True),
        sa.Column("registered_by", sa.Uuid(), nullable=True),
        sa.Column("returned_reason", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_document"),
        sa.ForeignKeyConstraint(["org_id"], ["agency.id"], name="fk_document_org_id_agency"),
        sa.ForeignKeyConstraint(
            ["type_code"], ["document_type.code"], name="fk_document_type_code_document_type"
        ),
        sa.ForeignKeyConstraint(["register_id"], ["register.id"], name="fk_document_register_id_register"),
        sa.ForeignKeyConstraint(
            ["arrival_register_id"], ["register.id"], name="fk_document_arrival_register_id_register"
        ),
        sa.UniqueConstraint("org_id", "idempotency_key", name="uq_document_org_id"),
        sa.UniqueConstraint("delivery_id", name="uq_document_delivery_id"),
        # The database's own guard against a duplicate number, behind the counter that gives them out.
        sa.UniqueConstraint("register_id", "number", name="uq_document_register_id"),
        sa.UniqueConstraint("arrival_register_id", "arrival_number", name="uq_document_arrival_register_id"),
    )
    op.create_index("ix_document_org_id_created_at", "document", ["org_id", "created_at"])
    op.create_index("ix_document_exchange_id", "document", ["exchange_id"])
    op.create_table(
        "document_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(255), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_version"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_document_version_document_id_document"
        ),
        sa.UniqueConstraint("document_id", "version", name="uq_document_version_document_id"),
    )
    op.create_table(
        "document_flag",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("exchange_id", sa.String(100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_flag"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name="fk_document_flag_document_id_document"
        ),
        sa.UniqueConstraint("delivery_id", name="uq_document_flag_delivery_id"),
    )
    op.create_index("ix_document_flag_document_id", "document_flag", ["document_id"])
    op.bulk_insert(
        document_type,
        [
            {
                "code": code,
                "name": name,
                "abbreviation": abbreviation,
                "family": "administrative",
                "position": position,
                "edxml_type": 2,
                "edxml_type_detail": position,
                "active": True,
            }
            for position, (code, name, abbreviation) in enumerate(ADMINISTRATIVE, start=1)
        ]
        + [
            {
                "code": code,
                "name": name,
                "abbreviation": abbreviation,
                "family": "legal",
                "position": len(ADMINISTRATIVE) + position,
                "edxml_type": 1,
                "edxml_type_detail": detail,
                "active": True,
            }
            for position, (code, name, abbreviation, detail) in enumerate(LEGAL, start=1)
        ],
    )
    op.bulk_insert(urgency_code, [{"urgency": u, "name": n, "edxml_priority": p} for u, n, p in URGENCY])


def downgrade() -> None:
    op.drop_index("ix_document_flag_document_id", table_name="document_flag")
    op.drop_table("document_flag")
    op.drop_table("document_version")
    op.drop_index("ix_document_exchange_id", table_name="document")
    op.drop_index("ix_document_org_id_created_at", table_name="document")
    op.drop_table("document")
    op.drop_table("urgency_code")
    op.drop_table("document_type")
