import contextlib
import io
import random
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from edxml_factories import (
    CLERK,
    COMMUNE,
    GOVERNMENT_OFFICE,
    HOME_AFFAIRS,
    PROVINCE,
    attachment,
    document,
    message_header,
    status,
)
from lxml import etree
from pydantic import ValidationError

from egov_gateway.exchange import (
    NAMESPACE,
    VIETNAM_TZ,
    Attachment,
    Bussiness,
    BussinessDocType,
    Code,
    DocumentPackage,
    DocumentType,
    MalformedPackage,
    MessageHeader,
    Organization,
    OtherInfo,
    ParseLimits,
    PromulgationInfo,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    build_document,
    build_status,
    canonical_organ_id,
    make_document_id,
    parse_document,
    parse_package,
    parse_status,
)

DATA = Path(__file__).parent / "data"
E = f"{{{NAMESPACE}}}"


def golden(name: str) -> bytes:
    return (DATA / name).read_bytes()


# --- round trips ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BussinessDocType), ids=lambda kind: kind.name.lower())
def test_every_business_type_round_trips(kind):
    package = document(kind=kind)
    assert parse_document(build_document(package)) == package


@pytest.mark.parametrize(
    "package",
    [
        pytest.param(
            document(header=message_header(full=False), attachments=()), id="minimal-no-attachments"
        ),
        pytest.param(
            document(
                kind=BussinessDocType.REVOKE,
                header=message_header(
                    subject="Thu hồi Công văn số 122/UBND-VP ngày 20/02/2026 về việc “báo cáo” & <số liệu>",
                    response_for=(
                        ResponseFor(
                            organ_id="000.00.00.G22",
                            code="7816/VPCP-TTĐT",
                            promulgation_date=date(2026, 2, 20),
                            document_id="000.00.00.G22,2026/02/20,7816/VPCP-TTĐT",
                        ),
                        ResponseFor(
                            organ_id="000.00.04.G14",
                            code="267/BNV-VP",
                            promulgation_date=date(2025, 12, 31),
                            document_id="000.00.04.G14,2025/12/31,267/BNV-VP",
                        ),
                    ),
                ),
            ),
            id="revoke-with-response-for-and-markup-in-text",
        ),
        pytest.param(
            document(header=message_header(subject="Đ" * 500, recipients=(COMMUNE,))), id="longest-subject"
        ),
        pytest.param(
            document(
                attachments=(
                    attachment(content_id="a", name="Tờ trình số 05/TTr-SNV (đã ký).pdf", size=0),
                    attachment(
                        content_id="b", name="ảnh chụp hiện trường 📷.jpg", content_type="image/jpeg", size=1
                    ),
                    attachment(
                        content_id="c", name="dữ liệu.bin", content_type="application/octet-stream", size=2
                    ),
                    attachment(content_id="d", name="Bảng tổng hợp.xlsx", size=3),
                )
            ),
            id="tiny-and-empty-attachments",
        ),
        pytest.param(
            document(
                attachments=(attachment(name="Hồ sơ quét màu 200dpi.pdf", size=12 * 1024 * 1024, seed=9),)
            ),
            id="12MiB-attachment-beyond-libxml2-text-cap",
        ),
    ],
)
def test_document_packages_round_trip(package):
    assert parse_document(build_document(package)) == package


@pytest.mark.parametrize(
    "package",
    [
        status(code="01", description="Văn thư - Phòng Văn thư - Lưu trữ: Đã đến"),
        status(code="02", description="Từ chối tiếp nhận: gửi nhầm cơ quan, không thuộc thẩm quyền"),
        status(code="03"),
        status(code="06", description=None),
        status(code="13", description="Lấy lại văn bản"),
        status(code="15", description="Đồng ý thu hồi"),
        status(code="16", description="Từ chối thu hồi: văn bản đã được xử lý"),
        status(code="11", description="Mã chưa biết: vẫn nhận, bảng mã là dữ liệu cấu hình"),
        StatusPackage(
            response_for=ResponseFor(
                organ_id="000.00.00.H42", code="1/UBND", promulgation_date=date(2026, 1, 1), document_id="x"
            ),
            sender=Organization(organ_id="000.00.00.G22"),
            status_code="05",
            timestamp=datetime(2026, 1, 1, tzinfo=VIETNAM_TZ),
        ),
    ],
    ids=lambda package: package.status_code,
)
def test_status_packages_round_trip(package):
    assert parse_status(build_status(package)) == package


def test_parse_package_tells_the_two_kinds_apart():
    assert isinstance(parse_package(build_document(document())), DocumentPackage)
    assert isinstance(parse_package(build_status(status())), StatusPackage)


def test_a_stream_parses_like_bytes():
    package = document()
    assert parse_document(io.BytesIO(build_document(package))) == package


# --- wire formats -----------------------------------------------------------------------------------


def test_timestamps_are_written_in_vietnam_time_and_dates_with_slashes():
    package = document()
    tree = etree.fromstring(build_document(package))
    stamps = [node.text for node in tree.iter(E + "Timestamp")]
    assert stamps == ["2026/03/02 08:30:00", "2026/03/02 15:31:15"]  # 01:30 and 08:31:15 UTC
    assert tree.findtext(f".//{E}PromulgationDate") == "2026/03/02"
    assert tree.findtext(f".//{E}DueDate") == "2026/03/16"
    parsed = parse_document(build_document(package)).trace_headers[0].timestamp
    assert parsed.utcoffset() == timedelta(hours=7)
    assert parsed == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def test_timestamps_must_be_aware_and_lose_their_fractions():
    with pytest.raises(ValidationError, match="timezone"):
        TraceHeader(organ_id="000.00.00.H42", timestamp=datetime(2026, 3, 2, 8, 30))  # noqa: DTZ001
    trace = TraceHeader(
        organ_id="000.00.00.H42",
        timestamp=datetime(2026, 3, 2, 8, 30, 1, 999, tzinfo=timezone(timedelta(hours=-5))),
    )
    assert trace.timestamp == datetime(2026, 3, 2, 20, 30, 1, tzinfo=VIETNAM_TZ)


def test_booleans_follow_the_samples():
    tree = etree.fromstring(build_document(document(kind=BussinessDocType.UPDATE)))
    assert tree.findtext(f".//{E}Direction") == "false"
    assert tree.findtext(f".//{E}Paper") == "0"
    assert tree.findtext(f".//{E}DocumentInfo") == "1"


def test_content_id_is_accepted_with_or_without_cid_and_written_with_it():
    assert Attachment(content_id="cid:209", name="a", content_type="text/plain", content=b"") == Attachment(
        content_id="209", name="a", content_type="text/plain", content=b""
    )
    assert (
        Attachment(content_id="CID:209", name="a", content_type="text/plain", content=b"").content_id == "209"
    )
    tree = etree.fromstring(build_document(document(attachments=(attachment(content_id="cid:209"),))))
    assert [node.text for node in tree.iter(E + "ContentId")] == ["cid:209", "cid:209"]

    data = build_document(document(attachments=(attachment(content_id="209"),)))
    for manifest, encoded in [("209", "cid:209"), ("cid:209", "209"), ("209", "209")]:
        edited = data.replace(b"<edXML:ContentId>cid:209<", f"<edXML:ContentId>{manifest}<".encode(), 1)
        edited = edited.replace(b"<ContentId>cid:209<", f"<ContentId>{encoded}<".encode(), 1)
        assert parse_document(edited).attachments[0].content_id == "209"


def test_output_uses_the_domain_layout_and_prefixes():
    data = build_document(document())
    text = data.decode()
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<edXML xmlns=\"" + NAMESPACE + '">')
    assert f'<edXML:edXMLEnvelope xmlns:edXML="{NAMESPACE}">' in text
    assert '<edXML:edXMLManifest version="1.0">' in text
    assert "<AttachmentEncoded>" in text
    assert f'<edXML:ContentTransferEncoded xmlns:edXML="{NAMESPACE}">' in text
    tree = etree.fromstring(data)
    assert [child.tag for child in tree] == [E + "edXMLEnvelope", E + "AttachmentEncoded"]
    assert all(node.tag.startswith(E) for node in tree.iter(etree.Element))
    assert tree.find(f"{E}edXMLEnvelope/{E}edXMLHeader/{E}TraceHeaderList/{E}Bussiness") is not None
    assert tree.findtext(f".//{E}TyperNotation") == "NTH"


# --- golden samples, hand-written after DOMAIN.md ---------------------------------------------------


def test_golden_document_package_parses_to_the_expected_model():
    expected = DocumentPackage(
        message_header=MessageHeader(
            sender=Organization(
                organ_id="000.00.00.H42",
                organization_in_charge="Ủy ban nhân dân tỉnh Ninh Bình",
                organ_name="Văn phòng UBND tỉnh Ninh Bình",
                organ_add="Đường Trần Hưng Đạo, thành phố Ninh Bình",
                email="vanphong@ninhbinh.gov.vn",
                telephone="0229 3871 234",
                website="ninhbinh.gov.vn",
            ),
            recipients=(
                Organization(
                    organ_id="000.00.00.G22",
                    organ_name="Văn phòng Chính phủ",
                    organ_add="Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
                ),
                Organization(organ_id="28.22.H17", organ_name="UBND xã Hòa Sơn"),
            ),
            code=Code(code_number="123", code_notation="UBND-VP"),
            promulgation_info=PromulgationInfo(place="Ninh Bình", promulgation_date=date(2026, 3, 2)),
            document_type=DocumentType(type=1, type_detail=0, type_name="Công văn"),
            subject="V/v kết nối, liên thông phần mềm quản lý văn bản và điều hành",
            content="V/v kết nối, liên thông phần mềm quản lý văn bản và điều hành",
            signer_info=SignerInfo(
                competence="KT. CHỦ TỊCH", position="Phó Chủ tịch", full_name="Nguyễn Thị Hồng Nhung"
            ),
            due_date=date(2026, 3, 16),
            to_places=("Như trên", "Lưu: VT, VP"),
            other_info=OtherInfo(
                priority=1,
                sphere_of_promulgation="Liên thông văn bản quốc gia",
                typer_notation="NTH",
                promulgation_amount=2,
                page_amount=3,
                direction=False,
                appendixes=("Phụ lục: danh sách đầu mối kỹ thuật",),
            ),
            response_for=(
                ResponseFor(
                    organ_id="000.00.00.G22",
                    code="7816/VPCP-TTĐT",
                    promulgation_date=date(2026, 2, 20),
                    document_id="000.00.00.G22,2026/02/20,7816/VPCP-TTĐT",
                ),
            ),
            steering_type=1,
            document_id="000.00.00.H42,2026/03/02,123/UBND-VP",
        ),
        trace_headers=(
            TraceHeader(organ_id="000.00.00.H42", timestamp=datetime(2026, 3, 2, 8, 30, tzinfo=VIETNAM_TZ)),
            TraceHeader(
                organ_id="000.00.00.G22", timestamp=datetime(2026, 3, 2, 8, 31, 15, tzinfo=VIETNAM_TZ)
            ),
        ),
        bussiness=Bussiness(
            bussiness_doc_type=BussinessDocType.NEW,
            bussiness_doc_reason="Văn bản điện tử mới",
            document_id="000.00.00.H42,2026/03/02,123/UBND-VP",
            paper=False,
            staff_info=CLERK,
        ),
        attachments=(
            Attachment(
                content_id="209",
                name="Công văn 123-UBND-VP.txt",
                content_type="text/plain",
                description="Nội dung công văn",
                content="Kính gửi: Văn phòng Chính phủ\nỦy ban nhân dân tỉnh Ninh Bình báo cáo như sau.\n".encode(),
            ),
            Attachment(
                content_id="phu-luc",
                name="Phụ lục.txt",
                content_type="text/plain",
                content="Phụ lục".encode(),
            ),
        ),
    )
    assert parse_document(golden("edoc_new.edxml")) == expected
    assert parse_document(build_document(expected)) == expected


def _shape(data: bytes) -> set[str]:
    """Every element path with the prefix it is written with, Signature subtrees and attributes aside."""
    paths: set[str] = set()

    def walk(node: etree._Element, parent: str) -> None:
        if not isinstance(node.tag, str) or etree.QName(node).localname == "Signature":
            return
        name = f"{node.prefix}:{etree.QName(node).localname}" if node.prefix else etree.QName(node).localname
        assert etree.QName(node).namespace == NAMESPACE
        paths.add(f"{parent}/{name}")
        for child in node:
            walk(child, f"{parent}/{name}")

    walk(etree.fromstring(data), "")
    return paths


def test_built_output_has_the_golden_samples_shape():
    sample = golden("edoc_new.edxml")
    assert _shape(build_document(parse_document(sample))) == _shape(sample)
    replace = golden("edoc_replace.edxml")
    assert _shape(build_document(parse_document(replace))) | {
        "/edXML/edXML:edXMLEnvelope/edXML:edXMLHeader/edXML:DigitalSignature"
    } >= _shape(replace)
    assert _shape(build_status(parse_status(golden("status.edxml")))) - {
        "/edXML/edXML:edXMLEnvelope/edXML:edXMLBody"
    } == _shape(golden("status.edxml"))


def test_golden_replacement_carries_its_replacement_list():
    package = parse_document(golden("edoc_replace.edxml"))
    assert package.bussiness == Bussiness(
        bussiness_doc_type=BussinessDocType.REPLACE,
        bussiness_doc_reason="Thay thế văn bản điện tử",
        paper=True,
        replacement_info_list=(
            ReplacementInfo(
                document_id="000.00.00.G22,2026/02/20,7816/VPCP-TTĐT",
                organ_ids=("000.00.00.H42", "000.00.00.H41"),
            ),
        ),
    )
    assert package.attachments == ()
    assert package.message_header.document_type == DocumentType(type_name="Công văn")


def test_golden_status_package():
    assert parse_status(golden("status.edxml")) == StatusPackage(
        response_for=ResponseFor(
            organ_id="000.00.00.H42",
            code="123/UBND-VP",
            promulgation_date=date(2026, 3, 2),
            document_id="000.00.00.H42,2026/03/02,123/UBND-VP",
        ),
        sender=HOME_AFFAIRS,
        status_code="03",
        description="Văn thư Bộ: Đã tiếp nhận, vào sổ đến số 456",
        timestamp=datetime(2026, 3, 2, 14, 5, 9, tzinfo=VIETNAM_TZ),
        staff_info=StaffInfo(department="Văn phòng Bộ", staff="Lê Văn Đức"),
    )


def test_status_element_may_be_called_message_status():
    data = golden("status.edxml").replace(b"edXML:Status>", b"edXML:MessageStatus>")
    assert parse_status(data).status_code == "03"


# --- identifiers ------------------------------------------------------------------------------------


def test_document_id_and_agency_codes():
    assert make_document_id("000.00.00.G22", date(2015, 9, 30), "7816", "VPCP-TTĐT") == (
        "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    )
    assert canonical_organ_id("28.22.H17") == "000.28.22.H17"
    assert canonical_organ_id("000.00.00.H42") == "000.00.00.H42"
    assert canonical_organ_id("002.00.20.H13") == "002.00.20.H13"
    with pytest.raises(ValueError, match="not a QCVN 102"):
        canonical_organ_id("G09.20")


def test_models_are_immutable_and_validate_lengths():
    package = document()
    with pytest.raises(ValidationError):
        package.message_header.subject = "khác"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="at most 11"):
        Code(code_number="123456789012")
    with pytest.raises(ValidationError, match="at most 200"):
        Organization(organ_id="000.00.00.H42", organ_name="x" * 201)
    with pytest.raises(ValidationError, match="at most 13"):
        Organization(organ_id="0000.00.00.H42")
    with pytest.raises(ValidationError, match="BussinessDocumentInfo is required"):
        Bussiness(bussiness_doc_type=BussinessDocType.UPDATE)
    with pytest.raises(ValidationError, match="ReplacementInfoList"):
        Bussiness(
            bussiness_doc_type=BussinessDocType.NEW, replacement_info_list=(ReplacementInfo(document_id="x"),)
        )
    with pytest.raises(ValidationError, match="share ContentId"):
        document(attachments=(attachment(content_id="1"), attachment(content_id="cid:1")))


# --- refusals ---------------------------------------------------------------------------------------

SAMPLE = golden("edoc_new.edxml")

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016" a="&lol9;">&lol9;</edXML>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><x>&xxe;</x></edXML>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/edxml.dtd">
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>
"""


def _deep(levels: int) -> bytes:
    nested = b"<edXML:Extension>" + b"<x>" * levels + b"</x>" * levels + b"</edXML:Extension>"
    return SAMPLE.replace(b"<edXML:SteeringType>", nested + b"<edXML:SteeringType>", 1)


def _swap(old: bytes, new: bytes) -> bytes:
    assert old in SAMPLE
    return SAMPLE.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "element", "reason"),
    [
        pytest.param(
            _swap(
                b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">',
                b'<edXML xmlns="http://www.e-doc.vn/Schema/">',
            ),
            "edXML",
            "namespace 'http://www.e-doc.vn/Schema/'",
            id="wrong-namespace",
        ),
        pytest.param(
            _swap(
                b"<edXML:edXMLEnvelope xmlns:edXML", b"<edXML:edXMLEnvelope xmlns:other='urn:x' xmlns:edXML"
            )
            .replace(b"<edXML:Subject>", b"<other:Subject>")
            .replace(b"</edXML:Subject>", b"</other:Subject>"),
            "MessageHeader/Subject",
            "missing",
            id="element-in-another-namespace",
        ),
        pytest.param(
            re.sub(rb"<edXML:Subject>.*?</edXML:Subject>", b"", SAMPLE),
            "MessageHeader/Subject",
            "missing",
            id="missing-subject",
        ),
        pytest.param(
            _swap(b"<edXML:BussinessDocType>0</edXML:BussinessDocType>", b""),
            "TraceHeaderList/Bussiness/BussinessDocType",
            "missing",
            id="missing-business-type",
        ),
        pytest.param(
            _swap(b"<edXML:OrganId>000.00.00.H42</edXML:OrganId>", b"<edXML:OrganId></edXML:OrganId>"),
            "MessageHeader/From/OrganId",
            "missing or empty",
            id="empty-sender",
        ),
        pytest.param(
            _swap(b"<edXML:PromulgationDate>2026/03/02<", b"<edXML:PromulgationDate>02/03/2026<"),
            "MessageHeader/PromulgationInfo/PromulgationDate",
            "'02/03/2026' is not a yyyy/MM/dd date",
            id="bad-date-format",
        ),
        pytest.param(
            _swap(b"<edXML:DueDate>2026/03/16<", b"<edXML:DueDate>2026/02/30<"),
            "MessageHeader/DueDate",
            "'2026/02/30' is not a yyyy/MM/dd date",
            id="impossible-date",
        ),
        pytest.param(
            _swap(b"2026/03/02 08:31:15", b"2026-03-02T08:31:15"),
            "TraceHeaderList/TraceHeader[2]/Timestamp",
            "is not a yyyy/MM/dd HH:mm:ss timestamp",
            id="bad-timestamp",
        ),
        pytest.param(
            _swap(b"<edXML:Priority>1<", b"<edXML:Priority>cao<"),
            "MessageHeader/OtherInfo/Priority",
            "'cao' is not an integer",
            id="bad-integer",
        ),
        pytest.param(
            _swap(b"<edXML:Paper>0<", b"<edXML:Paper>c\xc3\xb3<"),
            "TraceHeaderList/Bussiness/Paper",
            "is not 0/1/true/false",
            id="bad-boolean",
        ),
        pytest.param(
            _swap(b"<edXML:BussinessDocType>0<", b"<edXML:BussinessDocType>7<"),
            "TraceHeaderList/Bussiness/BussinessDocType",
            "Input should be 0, 1, 2 or 3",
            id="unknown-business-type",
        ),
        pytest.param(
            _swap(b"<edXML:BussinessDocType>0<", b"<edXML:BussinessDocType>2<"),
            "TraceHeaderList/Bussiness",
            "BussinessDocumentInfo is required",
            id="update-without-its-block",
        ),
        pytest.param(
            _swap(b"<edXML:CodeNumber>123<", b"<edXML:CodeNumber>123456789012<"),
            "MessageHeader/Code/CodeNumber",
            "at most 11 characters",
            id="code-number-too-long",
        ),
        pytest.param(
            _swap(b"<edXML:Subject>", b"<edXML:Subject>" + "Đ".encode() * 500),
            "MessageHeader/Subject",
            "at most 500 characters",
            id="subject-too-long",
        ),
        pytest.param(
            _swap(b"UGjhu6UgbOG7pWM=", b"UGjhu6Ug*OG7pWM="),
            "AttachmentEncoded/Attachment[2]/ContentTransferEncoded",
            "invalid base64",
            id="base64-bad-character",
        ),
        pytest.param(
            _swap(b"UGjhu6UgbOG7pWM=", b"UGjhu6UgbOG7pWM=QUJD"),
            "AttachmentEncoded/Attachment[2]/ContentTransferEncoded",
            "after the closing '=' padding",
            id="base64-data-after-padding",
        ),
        pytest.param(
            _swap(b"UGjhu6UgbOG7pWM=", b"UGjhu6UgbOG7pWM"),
            "AttachmentEncoded/Attachment[2]/ContentTransferEncoded",
            "truncated",
            id="base64-truncated",
        ),
        pytest.param(
            _swap(b"UGjhu6UgbOG7pWM=", b"UGjh<b/>u6UgbOG7pWM="),
            "AttachmentEncoded/Attachment[2]/ContentTransferEncoded",
            "base64 text only",
            id="element-inside-base64",
        ),
        pytest.param(
            _swap(b"<ContentId>cid:phu-luc</ContentId>", b"<ContentId>cid:other</ContentId>"),
            "AttachmentEncoded/Attachment[cid:other]",
            "no edXMLManifest/Reference has this ContentId",
            id="attachment-not-in-manifest",
        ),
        pytest.param(
            _swap(
                b"<edXML:ContentId>cid:phu-luc</edXML:ContentId>",
                b"<edXML:ContentId>cid:other</edXML:ContentId>",
            ),
            "AttachmentEncoded/Attachment[cid:phu-luc]",
            "no edXMLManifest/Reference",
            id="manifest-does-not-list-an-attachment",
        ),
        pytest.param(BILLION_LAUGHS, "DOCTYPE", "a DTD is not allowed", id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, "DOCTYPE", "a DTD is not allowed", id="external-entity"),
        pytest.param(EXTERNAL_DTD, "DOCTYPE", "a DTD is not allowed", id="external-dtd"),
        pytest.param(
            _swap(b"<edXML:Subject>", b"<edXML:Subject>&xxe;"),
            None,
            "not well-formed XML",
            id="undeclared-entity",
        ),
        pytest.param(_deep(80), "x", "nest deeper than the limit of 64", id="too-deep"),
        pytest.param(SAMPLE[: len(SAMPLE) // 2], None, "not well-formed XML", id="truncated-document"),
        pytest.param(b"", None, "not well-formed XML", id="empty"),
        pytest.param(b"%PDF-1.4 not xml", None, "not well-formed XML", id="not-xml"),
        pytest.param(
            build_status(status()), "edXMLHeader/MessageHeader", "missing", id="status-given-as-document"
        ),
    ],
)
def test_malformed_packages_are_refused_naming_the_problem(data, element, reason):
    with pytest.raises(MalformedPackage) as refused:
        parse_document(data)
    assert refused.value.element == element
    assert reason in refused.value.reason
    assert str(refused.value).startswith(f"{element}: " if element else reason)


def test_limits_are_configurable_and_checked_for_streams_too():
    assert parse_document(_deep(58)).message_header.steering_type == 1  # 4 + 1 + 58 = 63 levels
    with pytest.raises(MalformedPackage, match="nest deeper than the limit of 5"):
        parse_document(SAMPLE, limits=ParseLimits(max_depth=5))
    with pytest.raises(
        MalformedPackage, match=f"the package is {len(SAMPLE)} bytes, larger than the limit of 1000"
    ):
        parse_document(SAMPLE, limits=ParseLimits(max_bytes=1000))

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = b" " * len(buffer)
            self.read_so_far = getattr(self, "read_so_far", 0) + len(buffer)
            return len(buffer)

    endless = Endless()
    with pytest.raises(MalformedPackage, match="larger than the limit of 1048576 bytes"):
        parse_document(io.BufferedReader(endless), limits=ParseLimits(max_bytes=1024 * 1024))
    assert endless.read_so_far <= 2 * 1024 * 1024


def test_the_default_size_limit_is_50_mib():
    assert ParseLimits().max_bytes == 50 * 1024 * 1024
    with pytest.raises(MalformedPackage, match="larger than the limit of 52428800 bytes"):
        parse_document(b" " * (50 * 1024 * 1024 + 1))


def test_no_damaged_input_escapes_as_anything_but_malformed_package():
    data = build_document(document(kind=BussinessDocType.UPDATE, attachments=(attachment(size=300),)))
    rng = random.Random(102)
    damaged = [data[:cut] for cut in range(0, len(data), 97)]
    for _ in range(200):
        position = rng.randrange(len(data))
        damaged.append(data[:position] + bytes([rng.randrange(256)]) + data[position + 1 :])
    for sample in damaged:
        with contextlib.suppress(MalformedPackage):
            parse_document(sample)


def test_unknown_elements_are_ignored():
    data = _swap(
        b"<edXML:SteeringType>", b"<edXML:VendorExtension>x</edXML:VendorExtension><edXML:SteeringType>"
    )
    assert parse_document(data).message_header.steering_type == 1


def test_recipients_keep_their_order_and_raw_codes():
    package = document(header=message_header(recipients=(COMMUNE, GOVERNMENT_OFFICE, PROVINCE)))
    assert [to.organ_id for to in parse_document(build_document(package)).message_header.recipients] == [
        "28.22.H17",
        "000.00.00.G22",
        "000.00.00.H42",
    ]
