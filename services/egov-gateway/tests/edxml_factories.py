"""Plain factories for edXML packages and test signing identities (keyword-only defaults)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from egov_gateway.exchange import (
    Attachment,
    Bussiness,
    BussinessDocType,
    BussinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    make_document_id,
)

PROVINCE = Organization(
    organ_id="000.00.00.H42",
    organization_in_charge="Ủy ban nhân dân tỉnh Ninh Bình",
    organ_name="Văn phòng UBND tỉnh Ninh Bình",
    organ_add="Đường Trần Hưng Đạo, phường Đông Thành, thành phố Ninh Bình",
    email="vanphong@ninhbinh.gov.vn",
    telephone="0229 3871 234",
    website="ninhbinh.gov.vn",
)
GOVERNMENT_OFFICE = Organization(
    organ_id="000.00.00.G22",
    organ_name="Văn phòng Chính phủ",
    organ_add="Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
)
HOME_AFFAIRS = Organization(organ_id="000.00.00.G09", organ_name="Bộ Nội vụ")
COMMUNE = Organization(organ_id="28.22.H17", organ_name="UBND xã Hòa Sơn")
CLERK = StaffInfo(
    department="Văn thư Văn phòng",
    staff="Trần Thị Ngọc Ánh",
    email="vanthu@ninhbinh.gov.vn",
    mobile="0912000001",
)
ISSUED = date(2026, 3, 2)
ORIGINAL_ID = "000.00.00.H42,2026/02/20,122/UBND-VP"


def attachment(
    *,
    content_id: str = "1",
    name: str = "Công văn số 123 - Trích yếu đầy đủ.pdf",
    content_type: str = "application/pdf",
    description: str | None = "Văn bản điện tử đã ký số",
    size: int = 4096,
    seed: int = 1,
) -> Attachment:
    return Attachment(
        content_id=content_id,
        name=name,
        content_type=content_type,
        description=description,
        content=random.Random(seed).randbytes(size),
    )


def message_header(
    *,
    subject: str = "V/v kết nối, liên thông phần mềm quản lý văn bản và điều hành",
    recipients: tuple[Organization, ...] = (GOVERNMENT_OFFICE, HOME_AFFAIRS),
    response_for: tuple[ResponseFor, ...] = (),
    full: bool = True,
) -> MessageHeader:
    code = Code(code_number="123", code_notation="UBND-VP")
    return MessageHeader(
        sender=PROVINCE,
        recipients=recipients,
        code=code,
        promulgation_info=PromulgationInfo(place="Ninh Bình", promulgation_date=ISSUED),
        document_type=DocumentType(type=1, type_detail=0, type_name="Công văn"),
        subject=subject,
        response_for=response_for,
        document_id=make_document_id(PROVINCE.organ_id, ISSUED, code.code_number, code.code_notation),
        content="Ủy ban nhân dân tỉnh Ninh Bình đề nghị Văn phòng Chính phủ hướng dẫn kết nối."
        if full
        else None,
        signer_info=SignerInfo(
            competence="KT. CHỦ TỊCH", position="Phó Chủ tịch", full_name="Nguyễn Thị Hồng Nhung"
        )
        if full
        else None,
        due_date=date(2026, 3, 16) if full else None,
        to_places=("Như trên", "Lưu: VT, VP") if full else (),
        other_info=OtherInfo(
            priority=1,
            sphere_of_promulgation="Liên thông văn bản quốc gia",
            typer_notation="NTH",
            promulgation_amount=2,
            page_amount=3,
            direction=False,
            appendixes=("Phụ lục I: danh sách đầu mối kỹ thuật",),
        )
        if full
        else None,
        steering_type=1 if full else None,
    )


def bussiness(kind: BussinessDocType) -> Bussiness:
    reasons = {
        BussinessDocType.NEW: "Văn bản điện tử mới",
        BussinessDocType.REVOKE: "Thu hồi văn bản điện tử",
        BussinessDocType.UPDATE: "Cập nhật văn bản điện tử",
        BussinessDocType.REPLACE: "Thay thế văn bản điện tử",
    }
    return Bussiness(
        bussiness_doc_type=kind,
        bussiness_doc_reason=reasons[kind],
        document_id=None if kind is BussinessDocType.NEW else ORIGINAL_ID,
        paper=kind is BussinessDocType.REPLACE,
        staff_info=CLERK,
        bussiness_document_info=BussinessDocumentInfo(
            document_info=True,
            document_receiver=True,
            receivers=(
                Receiver(receiver_type=0, organ_id="000.00.00.H41"),
                Receiver(receiver_type=1, organ_id="000.00.00.H14"),
            ),
        )
        if kind is BussinessDocType.UPDATE
        else None,
        replacement_info_list=(
            ReplacementInfo(document_id=ORIGINAL_ID, organ_ids=("000.00.00.G22", "000.00.00.G09")),
            ReplacementInfo(document_id="000.00.00.H42,2026/02/19,121/UBND-VP", organ_ids=()),
        )
        if kind is BussinessDocType.REPLACE
        else (),
    )


def document(
    *,
    kind: BussinessDocType = BussinessDocType.NEW,
    attachments: tuple[Attachment, ...] | None = None,
    header: MessageHeader | None = None,
) -> DocumentPackage:
    return DocumentPackage(
        message_header=header or message_header(),
        trace_headers=(
            TraceHeader(organ_id=PROVINCE.organ_id, timestamp=datetime(2026, 3, 2, 1, 30, tzinfo=UTC)),
            TraceHeader(
                organ_id=GOVERNMENT_OFFICE.organ_id, timestamp=datetime(2026, 3, 2, 8, 31, 15, tzinfo=UTC)
            ),
        ),
        bussiness=bussiness(kind),
        attachments=(
            attachments
            if attachments is not None
            else (
                attachment(),
                attachment(
                    content_id="cid:phu-luc-1",
                    name="Phụ lục I: Danh sách đơn vị (bản ký số).xlsx",
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    description=None,
                    seed=2,
                ),
            )
        ),
    )


def status(
    *, code: str = "03", description: str | None = "Văn thư Bộ: Đã tiếp nhận, vào sổ đến số 456"
) -> StatusPackage:
    return StatusPackage(
        response_for=ResponseFor(
            organ_id=PROVINCE.organ_id,
            code="123/UBND-VP",
            promulgation_date=ISSUED,
            document_id="000.00.00.H42,2026/03/02,123/UBND-VP",
        ),
        sender=HOME_AFFAIRS,
        status_code=code,
        description=description,
        timestamp=datetime(2026, 3, 2, 7, 5, 9, tzinfo=UTC),
        staff_info=StaffInfo(department="Văn phòng Bộ", staff="Lê Văn Đức"),
    )


def identity(
    common_name: str = "Văn thư UBND tỉnh Ninh Bình",
    *,
    elliptic: bool = False,
    days: int = 30,
) -> tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A fresh key and a self-signed certificate for it."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
        ec.generate_private_key(ec.SECP256R1()) if elliptic else rsa.generate_private_key(65537, 2048)
    )
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND tỉnh Ninh Bình"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate
