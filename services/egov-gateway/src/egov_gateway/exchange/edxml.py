"""Build and parse QCVN 102:2016 edXML packages in the layout of DOMAIN.md §1.2, element names verbatim.

Output layout (the public SDK samples', prefixes included)::

    <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
      <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
        <edXML:edXMLHeader>  MessageHeader, TraceHeaderList (TraceHeader…, Bussiness) | Status  </edXML:edXMLHeader>
        <edXML:edXMLBody><edXML:edXMLManifest version="1.0"> Reference… </edXML:edXMLManifest></edXML:edXMLBody>
      </edXML:edXMLEnvelope>
      <AttachmentEncoded><Attachment> … <edXML:ContentTransferEncoded>BASE64</…></Attachment></AttachmentEncoded>
    </edXML>

Every element is in the one edXML namespace; parsing matches namespace + local name, never prefixes.
Dates are ``yyyy/MM/dd``; timestamps ``yyyy/MM/dd HH:mm:ss`` in Vietnam time (UTC+7), the only zone the
format can mean. ``ContentId`` is written ``cid:<id>`` in both the manifest and ``AttachmentEncoded``
(the VPCP sample) and read with or without the prefix. Absent optional values inside ``From``/``To``,
``SignerInfo`` and ``StaffInfo`` are written as empty elements, as the observed builders do; other absent
optional elements are left out. Unknown elements are ignored, so vendor extensions do not block receipt.

Parsing is hardened (lxml with ``resolve_entities=False``, ``no_network=True``, ``load_dtd=False``,
``huge_tree=False``): any ``<!DOCTYPE`` is refused as soon as the parser meets it, so no entity is ever
declared, expanded or fetched; input above ``ParseLimits.max_bytes`` is refused before parsing (or, for a
stream, as soon as the count passes it) and nesting deeper than ``ParseLimits.max_depth`` as soon as
the element opens. The input is fed to the parser in 64 KiB chunks.

What is streamed: ``parse_document`` decodes each ``ContentTransferEncoded`` incrementally as the parser
hands over its text, so the base64 text of an attachment never exists whole, neither as an lxml text
node nor as a Python string. What is not: the input bytes themselves (``bytes`` in, or read from a
stream up to the limit) and each decoded attachment, which the model holds as ``bytes``. Peak memory is
about input + decoded attachments. ``parse_tree`` (for signatures) keeps the exact tree, base64 text
included, because the signature's digest covers it.

Every problem surfaces as :class:`~egov_gateway.exchange.exceptions.MalformedPackage` naming the element.
"""

import base64
import binascii
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Final, TypeVar

from lxml import etree
from pydantic import BaseModel, ValidationError

from .exceptions import MalformedPackage
from .model import (
    NAMESPACE,
    VIETNAM_TZ,
    Attachment,
    Bussiness,
    BussinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
)

PREFIX: Final = "edXML"
CHUNK_BYTES: Final = 64 * 1024
_E: Final = f"{{{NAMESPACE}}}"
_ROOT: Final = _E + "edXML"
_CONTENT: Final = _E + "ContentTransferEncoded"
_DATE = re.compile(r"^(\d{4})/(\d{2})/(\d{2})$")
_TIMESTAMP = re.compile(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_BOOLEANS: Final = {"0": False, "1": True, "false": False, "true": True}
_WHITESPACE = re.compile(rb"[ \t\r\n]+")

M = TypeVar("M", bound=BaseModel)
Source = bytes | IO[bytes]


@dataclass(frozen=True)
class ParseLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_depth: int = 64


DEFAULT_LIMITS: Final = ParseLimits()


# --- building ---------------------------------------------------------------------------------------


def build_document(package: DocumentPackage) -> bytes:
    """Serialise a document package (UTF-8, XML declaration, indented; base64 on one line)."""
    root, envelope, header = _skeleton()
    _message_header(header, package.message_header)
    trace_list = _sub(header, "TraceHeaderList")
    for trace in package.trace_headers:
        node = _sub(trace_list, "TraceHeader")
        _leaf(node, "OrganId", trace.organ_id)
        _leaf(node, "Timestamp", format_timestamp(trace.timestamp))
    _bussiness(trace_list, package.bussiness)

    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest", version="1.0")
    for attachment in package.attachments:
        reference = _sub(manifest, "Reference")
        _leaf(reference, "ContentId", f"cid:{attachment.content_id}")
        _leaf(reference, "ContentType", attachment.content_type)
        _leaf(reference, "Description", attachment.description)
        _leaf(reference, "AttachmentName", attachment.name)
    if package.attachments:
        encoded = _sub(root, "AttachmentEncoded")
        for attachment in package.attachments:
            node = _sub(encoded, "Attachment")
            _leaf(node, "ContentId", f"cid:{attachment.content_id}")
            _leaf(node, "AttachmentName", attachment.name)
            _leaf(node, "Description", attachment.description)
            _leaf(node, "ContentType", attachment.content_type)
            content = etree.SubElement(node, _CONTENT, nsmap={PREFIX: NAMESPACE})
            content.text = base64.b64encode(attachment.content).decode("ascii")
    return _serialise(root)


def build_status(package: StatusPackage) -> bytes:
    root, envelope, header = _skeleton()
    status = _sub(header, "Status")
    _response_for(status, package.response_for)
    _organization(status, "From", package.sender)
    _leaf(status, "StatusCode", package.status_code)
    _leaf(status, "Description", package.description)
    _leaf(status, "Timestamp", format_timestamp(package.timestamp))
    if package.staff_info is not None:
        _staff_info(status, package.staff_info)
    _sub(envelope, "edXMLBody")
    return _serialise(root)


def format_date(value: date) -> str:
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def format_timestamp(value: datetime) -> str:
    """``yyyy/MM/dd HH:mm:ss`` in Vietnam time; ``value`` must be aware."""
    local = value.astimezone(VIETNAM_TZ)
    return f"{format_date(local.date())} {local.hour:02d}:{local.minute:02d}:{local.second:02d}"


def _skeleton() -> tuple[etree._Element, etree._Element, etree._Element]:
    root = etree.Element(_ROOT, nsmap={None: NAMESPACE})
    envelope = etree.SubElement(root, _E + "edXMLEnvelope", nsmap={PREFIX: NAMESPACE})
    return root, envelope, _sub(envelope, "edXMLHeader")


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _sub(parent: etree._Element, name: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _E + name, attributes)


def _leaf(parent: etree._Element, name: str, value: str | None) -> None:
    _sub(parent, name).text = value


def _optional(parent: etree._Element, name: str, value: str | None) -> None:
    if value is not None:
        _leaf(parent, name, value)


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _organization(parent: etree._Element, name: str, organization: Organization) -> None:
    node = _sub(parent, name)
    _leaf(node, "OrganId", organization.organ_id)
    _leaf(node, "OrganizationInCharge", organization.organization_in_charge)
    _leaf(node, "OrganName", organization.organ_name)
    _leaf(node, "OrganAdd", organization.organ_add)
    _leaf(node, "Email", organization.email)
    _leaf(node, "Telephone", organization.telephone)
    _leaf(node, "Fax", organization.fax)
    _leaf(node, "Website", organization.website)


def _response_for(parent: etree._Element, response: ResponseFor) -> None:
    node = _sub(parent, "ResponseFor")
    _leaf(node, "OrganId", response.organ_id)
    _leaf(node, "Code", response.code)
    _leaf(node, "PromulgationDate", format_date(response.promulgation_date))
    _leaf(node, "DocumentId", response.document_id)


def _staff_info(parent: etree._Element, staff: StaffInfo) -> None:
    node = _sub(parent, "StaffInfo")
    _leaf(node, "Department", staff.department)
    _leaf(node, "Staff", staff.staff)
    _leaf(node, "Email", staff.email)
    _leaf(node, "Mobile", staff.mobile)


def _message_header(parent: etree._Element, header: MessageHeader) -> None:
    # Element order follows the VPCP sample (DOMAIN.md [S1]); the parser does not depend on it.
    node = _sub(parent, "MessageHeader")
    _organization(node, "From", header.sender)
    for recipient in header.recipients:
        _organization(node, "To", recipient)
    _leaf(node, "DocumentId", header.document_id)
    code = _sub(node, "Code")
    _leaf(code, "CodeNumber", header.code.code_number)
    _leaf(code, "CodeNotation", header.code.code_notation)
    promulgation = _sub(node, "PromulgationInfo")
    _leaf(promulgation, "Place", header.promulgation_info.place)
    _leaf(promulgation, "PromulgationDate", format_date(header.promulgation_info.promulgation_date))
    document_type = _sub(node, "DocumentType")
    if header.document_type.type is not None:
        _leaf(document_type, "Type", str(header.document_type.type))
    if header.document_type.type_detail is not None:
        _leaf(document_type, "TypeDetail", str(header.document_type.type_detail))
    _leaf(document_type, "TypeName", header.document_type.type_name)
    _leaf(node, "Subject", header.subject)
    _optional(node, "Content", header.content)
    if header.signer_info is not None:
        signer = _sub(node, "SignerInfo")
        _leaf(signer, "Competence", header.signer_info.competence)
        _leaf(signer, "Position", header.signer_info.position)
        _leaf(signer, "FullName", header.signer_info.full_name)
    if header.due_date is not None:
        _leaf(node, "DueDate", format_date(header.due_date))
    if header.other_info is not None:
        _other_info(node, header.other_info)
    if header.steering_type is not None:
        _leaf(node, "SteeringType", str(header.steering_type))
    if header.to_places:
        places = _sub(node, "ToPlaces")
        for place in header.to_places:
            _leaf(places, "Place", place)
    for response in header.response_for:
        _response_for(node, response)


def _other_info(parent: etree._Element, info: OtherInfo) -> None:
    node = _sub(parent, "OtherInfo")
    _optional(node, "Priority", None if info.priority is None else str(info.priority))
    _optional(node, "SphereOfPromulgation", info.sphere_of_promulgation)
    _optional(node, "TyperNotation", info.typer_notation)
    _optional(
        node,
        "PromulgationAmount",
        None if info.promulgation_amount is None else str(info.promulgation_amount),
    )
    _optional(node, "PageAmount", None if info.page_amount is None else str(info.page_amount))
    _optional(node, "Direction", None if info.direction is None else str(info.direction).lower())
    if info.appendixes:
        appendixes = _sub(node, "Appendixes")
        for appendix in info.appendixes:
            _leaf(appendixes, "Appendix", appendix)


def _bussiness(parent: etree._Element, bussiness: Bussiness) -> None:
    node = _sub(parent, "Bussiness")
    _optional(node, "DocumentId", bussiness.document_id)
    _leaf(node, "BussinessDocType", str(bussiness.bussiness_doc_type.value))
    _optional(node, "BussinessDocReason", bussiness.bussiness_doc_reason)
    _optional(node, "Paper", None if bussiness.paper is None else _flag(bussiness.paper))
    if bussiness.staff_info is not None:
        _staff_info(node, bussiness.staff_info)
    if (info := bussiness.bussiness_document_info) is not None:
        info_node = _sub(node, "BussinessDocumentInfo")
        _leaf(info_node, "DocumentInfo", _flag(info.document_info))
        _leaf(info_node, "DocumentReceiver", _flag(info.document_receiver))
        receivers = _sub(info_node, "ReceiverList")
        for receiver in info.receivers:
            receiver_node = _sub(receivers, "Receiver")
            _leaf(receiver_node, "ReceiverType", str(receiver.receiver_type))
            _leaf(receiver_node, "OrganId", receiver.organ_id)
    if bussiness.replacement_info_list:
        replacements = _sub(node, "ReplacementInfoList")
        for replacement in bussiness.replacement_info_list:
            replacement_node = _sub(replacements, "ReplacementInfo")
            _leaf(replacement_node, "DocumentId", replacement.document_id)
            organ_ids = _sub(replacement_node, "OrganIdList")
            for organ_id in replacement.organ_ids:
                _leaf(organ_ids, "OrganId", organ_id)


# --- safe parsing -----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _Base64Decoder:
    """Incremental strict base64: whitespace between characters is allowed (wrapped lines), anything
    else outside the alphabet, misplaced padding or a truncated final quantum is refused."""

    def __init__(self) -> None:
        self._pending = b""
        self._out = io.BytesIO()  # getvalue() hands over its buffer instead of copying it
        self._padded = False

    def feed(self, text: str) -> None:
        chunk = _WHITESPACE.sub(b"", text.encode("ascii", errors="replace"))
        if not chunk:
            return
        if self._padded:
            raise ValueError("data after the closing '=' padding")
        data = self._pending + chunk
        usable = len(data) - len(data) % 4
        self._pending = data[usable:]
        if usable:
            self._decode(data[:usable])

    def finish(self) -> bytes:
        if self._pending:
            raise ValueError(
                f"truncated: {len(self._pending)} character(s) left over after the last full quantum"
            )
        return self._out.getvalue()

    def _decode(self, quanta: bytes) -> None:
        padding = quanta.find(b"=")
        if padding != -1 and padding < len(quanta) - 2:
            raise ValueError("data after the closing '=' padding")
        self._padded = padding != -1
        self._out.write(binascii.a2b_base64(quanta, strict_mode=True))


class _Target:
    """lxml parser target: enforces the root, depth and no-DTD rules while the parser runs, builds the
    tree (when asked) and decodes attachment base64 as it streams past instead of keeping it."""

    def __init__(self, limits: ParseLimits, *, build: bool) -> None:
        self._limits = limits
        self._builder = etree.TreeBuilder(insert_comments=False, insert_pis=False) if build else None
        self._depth = 0
        self._decoder: _Base64Decoder | None = None
        self._attachment = 0
        self.decoded: list[bytes] = []  # one per ContentTransferEncoded, in document order
        self.error: MalformedPackage | None = None

    def _fail(self, error: MalformedPackage) -> None:
        self.error = self.error or error
        raise self.error

    def doctype(self, root_tag: str | None, public_id: str | None, system_id: str | None, /) -> None:
        self._fail(
            MalformedPackage(
                "a DTD is not allowed in an edXML package, so no entity is accepted", element="DOCTYPE"
            )
        )

    def start(self, tag: str, attrib: dict[str, str], /) -> None:
        self._depth += 1
        if self._depth > self._limits.max_depth:
            self._fail(
                MalformedPackage(
                    f"elements nest deeper than the limit of {self._limits.max_depth}", element=_local(tag)
                )
            )
        if self._depth == 1 and tag != _ROOT:
            namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
            self._fail(
                MalformedPackage(
                    f"root element {_local(tag)!r} in namespace {namespace!r}; expected 'edXML' in {NAMESPACE!r}",
                    element="edXML",
                )
            )
        if self._decoder is not None:
            self._fail(MalformedPackage("must hold base64 text only", element=self._content_path()))
        if tag == _CONTENT:
            self._attachment += 1
        if self._builder is not None:
            self._builder.start(tag, attrib)
            if tag == _CONTENT:
                self._decoder = _Base64Decoder()

    def data(self, data: str, /) -> None:
        if self._decoder is not None:
            try:
                self._decoder.feed(data)
            except ValueError as exc:
                self._fail(MalformedPackage(f"invalid base64: {exc}", element=self._content_path()))
        elif self._builder is not None:
            self._builder.data(data)

    def end(self, tag: str, /) -> None:
        self._depth -= 1
        if self._decoder is not None:
            try:
                self.decoded.append(self._decoder.finish())
            except ValueError as exc:
                self._fail(MalformedPackage(f"invalid base64: {exc}", element=self._content_path()))
            self._decoder = None
        if self._builder is not None:
            self._builder.end(tag)

    def comment(self, text: str, /) -> None:
        pass

    def pi(self, target: str, data: str, /) -> None:
        pass

    def start_ns(self, prefix: str, uri: str, /) -> None:
        pass

    def end_ns(self, prefix: str, /) -> None:
        pass

    def close(self) -> etree._Element | None:
        return None if self._builder is None else self._builder.close()

    def _content_path(self) -> str:
        return f"AttachmentEncoded/Attachment[{self._attachment}]/ContentTransferEncoded"


def _chunks(source: Source, limits: ParseLimits) -> Iterator[bytes]:
    too_big = f"larger than the limit of {limits.max_bytes} bytes"
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > limits.max_bytes:
            raise MalformedPackage(f"the package is {len(data)} bytes, {too_big}")
        for offset in range(0, len(data), CHUNK_BYTES):
            yield data[offset : offset + CHUNK_BYTES]
        return
    total = 0
    while chunk := source.read(CHUNK_BYTES):
        total += len(chunk)
        if total > limits.max_bytes:
            raise MalformedPackage(f"the package is {too_big}")
        yield chunk


def _run(source: Source, limits: ParseLimits, *, build: bool) -> tuple[etree._Element | None, _Target]:
    target = _Target(limits, build=build)
    parser = etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )
    try:
        for chunk in _chunks(source, limits):
            parser.feed(chunk)
        root = parser.close()
    except MalformedPackage:
        raise
    except (etree.LxmlError, ValueError, TypeError) as exc:
        # lxml reports an exception raised inside the target as a follow-up syntax error
        if target.error is not None:
            raise target.error from exc
        raise MalformedPackage(f"not well-formed XML: {exc}") from exc
    if target.error is not None:
        raise target.error
    return root, target


def parse_tree(source: Source, *, limits: ParseLimits = DEFAULT_LIMITS) -> etree._Element:
    """The exact XML tree of a package, for signing and signature checks.

    A first streaming pass applies every rule of :func:`parse_document` (size, depth, no DTD, root);
    only then is the document parsed again into a faithful lxml tree. The second parser sets
    ``huge_tree=True`` solely so base64 text above libxml2's 10 MB text-node cap fits: the input is
    already known to carry no DTD (hence no entity), and its size and depth are already bounded.
    """
    data = source if isinstance(source, bytes) else b"".join(_chunks(source, limits))
    _run(data, limits, build=False)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=True
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError) as exc:
        raise MalformedPackage(f"not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise MalformedPackage("a DTD is not allowed in an edXML package", element="DOCTYPE")
    return root


# --- reading the tree -------------------------------------------------------------------------------


def _children(parent: etree._Element, name: str) -> list[etree._Element]:
    return parent.findall(_E + name)


def _maybe(parent: etree._Element, path: str, name: str) -> etree._Element | None:
    found = _children(parent, name)
    if len(found) > 1:
        raise MalformedPackage(
            f"appears {len(found)} times, at most once is allowed", element=f"{path}/{name}"
        )
    return found[0] if found else None


def _one(parent: etree._Element, path: str, name: str) -> etree._Element:
    found = _maybe(parent, path, name)
    if found is None:
        raise MalformedPackage("missing", element=f"{path}/{name}")
    return found


def _text(parent: etree._Element, path: str, name: str) -> str | None:
    node = _maybe(parent, path, name)
    return None if node is None else node.text or ""


def _required_text(parent: etree._Element, path: str, name: str) -> str:
    value = _text(parent, path, name)
    if not value:
        raise MalformedPackage("missing or empty", element=f"{path}/{name}")
    return value


def _stripped(parent: etree._Element, path: str, name: str) -> str | None:
    value = _text(parent, path, name)
    return None if value is None else value.strip()


def _integer(parent: etree._Element, path: str, name: str) -> int | None:
    value = _stripped(parent, path, name)
    if not value:
        return None
    if not _INTEGER.match(value):
        raise MalformedPackage(f"{value!r} is not an integer", element=f"{path}/{name}")
    return int(value)


def _boolean(parent: etree._Element, path: str, name: str) -> bool | None:
    value = _stripped(parent, path, name)
    if not value:
        return None
    try:
        return _BOOLEANS[value.lower()]
    except KeyError:
        raise MalformedPackage(f"{value!r} is not 0/1/true/false", element=f"{path}/{name}") from None


def _date(parent: etree._Element, path: str, name: str) -> date | None:
    value = _stripped(parent, path, name)
    if not value:
        return None
    match = _DATE.match(value)
    try:
        if match is None:
            raise ValueError
        return date(*map(int, match.groups()))
    except ValueError:
        raise MalformedPackage(f"{value!r} is not a yyyy/MM/dd date", element=f"{path}/{name}") from None


def _timestamp(parent: etree._Element, path: str, name: str) -> datetime | None:
    value = _stripped(parent, path, name)
    if not value:
        return None
    match = _TIMESTAMP.match(value)
    try:
        if match is None:
            raise ValueError
        year, month, day, hour, minute, second = map(int, match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM_TZ)
    except ValueError:
        raise MalformedPackage(
            f"{value!r} is not a yyyy/MM/dd HH:mm:ss timestamp", element=f"{path}/{name}"
        ) from None


def _validated(model: type[M], path: str, data: dict[str, object]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = "/".join(str(part) for part in error["loc"])
        reason = "missing or empty" if error.get("input", 0) in (None, "") else error["msg"]
        raise MalformedPackage(reason, element=f"{path}/{where}" if where else path) from exc


def _parse_organization(node: etree._Element, path: str) -> Organization:
    return _validated(
        Organization,
        path,
        {
            "OrganId": _stripped(node, path, "OrganId"),
            "OrganizationInCharge": _text(node, path, "OrganizationInCharge"),
            "OrganName": _text(node, path, "OrganName"),
            "OrganAdd": _text(node, path, "OrganAdd"),
            "Email": _text(node, path, "Email"),
            "Telephone": _text(node, path, "Telephone"),
            "Fax": _text(node, path, "Fax"),
            "Website": _text(node, path, "Website"),
        },
    )


def _parse_response_for(node: etree._Element, path: str) -> ResponseFor:
    return _validated(
        ResponseFor,
        path,
        {
            "OrganId": _stripped(node, path, "OrganId"),
            "Code": _required_text(node, path, "Code"),
            "PromulgationDate": _date(node, path, "PromulgationDate"),
            "DocumentId": _required_text(node, path, "DocumentId"),
        },
    )


def _parse_staff_info(parent: etree._Element, path: str) -> StaffInfo | None:
    node = _maybe(parent, path, "StaffInfo")
    if node is None:
        return None
    path = f"{path}/StaffInfo"
    return _validated(
        StaffInfo,
        path,
        {
            "Department": _text(node, path, "Department"),
            "Staff": _text(node, path, "Staff"),
            "Email": _text(node, path, "Email"),
            "Mobile": _text(node, path, "Mobile"),
        },
    )


def _texts(parent: etree._Element, path: str, wrapper: str, item: str) -> tuple[str, ...]:
    node = _maybe(parent, path, wrapper)
    return () if node is None else tuple(child.text or "" for child in _children(node, item))


def _parse_message_header(node: etree._Element) -> MessageHeader:
    path = "MessageHeader"
    code = _one(node, path, "Code")
    promulgation = _one(node, path, "PromulgationInfo")
    document_type = _one(node, path, "DocumentType")
    signer = _maybe(node, path, "SignerInfo")
    other = _maybe(node, path, "OtherInfo")
    recipients = _children(node, "To")
    if not recipients:
        raise MalformedPackage("missing: at least one recipient is required", element=f"{path}/To")
    return _validated(
        MessageHeader,
        path,
        {
            "From": _parse_organization(_one(node, path, "From"), f"{path}/From"),
            "To": tuple(
                _parse_organization(to, f"{path}/To[{index}]") for index, to in enumerate(recipients, 1)
            ),
            "Code": _validated(
                Code,
                f"{path}/Code",
                {
                    "CodeNumber": _stripped(code, f"{path}/Code", "CodeNumber"),
                    "CodeNotation": _stripped(code, f"{path}/Code", "CodeNotation"),
                },
            ),
            "PromulgationInfo": _validated(
                PromulgationInfo,
                f"{path}/PromulgationInfo",
                {
                    "Place": _text(promulgation, f"{path}/PromulgationInfo", "Place"),
                    "PromulgationDate": _date(promulgation, f"{path}/PromulgationInfo", "PromulgationDate"),
                },
            ),
            "DocumentType": _validated(
                DocumentType,
                f"{path}/DocumentType",
                {
                    "Type": _integer(document_type, f"{path}/DocumentType", "Type"),
                    "TypeDetail": _integer(document_type, f"{path}/DocumentType", "TypeDetail"),
                    "TypeName": _text(document_type, f"{path}/DocumentType", "TypeName"),
                },
            ),
            "Subject": _required_text(node, path, "Subject"),
            "Content": _text(node, path, "Content"),
            "SignerInfo": None
            if signer is None
            else _validated(
                SignerInfo,
                f"{path}/SignerInfo",
                {
                    "Competence": _text(signer, f"{path}/SignerInfo", "Competence"),
                    "Position": _text(signer, f"{path}/SignerInfo", "Position"),
                    "FullName": _text(signer, f"{path}/SignerInfo", "FullName"),
                },
            ),
            "DueDate": _date(node, path, "DueDate"),
            "ToPlaces": _texts(node, path, "ToPlaces", "Place"),
            "OtherInfo": None if other is None else _parse_other_info(other, f"{path}/OtherInfo"),
            "ResponseFor": tuple(
                _parse_response_for(response, f"{path}/ResponseFor[{index}]")
                for index, response in enumerate(_children(node, "ResponseFor"), 1)
            ),
            "SteeringType": _integer(node, path, "SteeringType"),
            "DocumentId": _required_text(node, path, "DocumentId"),
        },
    )


def _parse_other_info(node: etree._Element, path: str) -> OtherInfo:
    return _validated(
        OtherInfo,
        path,
        {
            "Priority": _integer(node, path, "Priority"),
            "SphereOfPromulgation": _text(node, path, "SphereOfPromulgation"),
            "TyperNotation": _text(node, path, "TyperNotation"),
            "PromulgationAmount": _integer(node, path, "PromulgationAmount"),
            "PageAmount": _integer(node, path, "PageAmount"),
            "Direction": _boolean(node, path, "Direction"),
            "Appendixes": _texts(node, path, "Appendixes", "Appendix"),
        },
    )


def _parse_bussiness(node: etree._Element) -> Bussiness:
    path = "TraceHeaderList/Bussiness"
    doc_type = _integer(node, path, "BussinessDocType")
    if doc_type is None:
        raise MalformedPackage("missing or empty", element=f"{path}/BussinessDocType")
    info: BussinessDocumentInfo | None = None
    if (info_node := _maybe(node, path, "BussinessDocumentInfo")) is not None:
        info_path = f"{path}/BussinessDocumentInfo"
        receivers = _maybe(info_node, info_path, "ReceiverList")
        info = _validated(
            BussinessDocumentInfo,
            info_path,
            {
                "DocumentInfo": _boolean(info_node, info_path, "DocumentInfo"),
                "DocumentReceiver": _boolean(info_node, info_path, "DocumentReceiver"),
                "ReceiverList": ()
                if receivers is None
                else tuple(
                    {
                        "ReceiverType": _integer(
                            receiver, f"{info_path}/ReceiverList/Receiver[{index}]", "ReceiverType"
                        ),
                        "OrganId": _stripped(
                            receiver, f"{info_path}/ReceiverList/Receiver[{index}]", "OrganId"
                        ),
                    }
                    for index, receiver in enumerate(_children(receivers, "Receiver"), 1)
                ),
            },
        )
    replacements: list[ReplacementInfo] = []
    if (list_node := _maybe(node, path, "ReplacementInfoList")) is not None:
        for index, replacement in enumerate(_children(list_node, "ReplacementInfo"), 1):
            item_path = f"{path}/ReplacementInfoList/ReplacementInfo[{index}]"
            organ_ids = _maybe(replacement, item_path, "OrganIdList")
            replacements.append(
                _validated(
                    ReplacementInfo,
                    item_path,
                    {
                        "DocumentId": _stripped(replacement, item_path, "DocumentId"),
                        "OrganIdList": ()
                        if organ_ids is None
                        else tuple((organ.text or "").strip() for organ in _children(organ_ids, "OrganId")),
                    },
                )
            )
    return _validated(
        Bussiness,
        path,
        {
            "BussinessDocType": doc_type,
            "BussinessDocReason": _text(node, path, "BussinessDocReason"),
            "DocumentId": _stripped(node, path, "DocumentId"),
            "Paper": _boolean(node, path, "Paper"),
            "StaffInfo": _parse_staff_info(node, path),
            "BussinessDocumentInfo": info,
            "ReplacementInfoList": tuple(replacements),
        },
    )


def _content_id(node: etree._Element, path: str) -> str:
    value = _stripped(node, path, "ContentId")
    if not value:
        raise MalformedPackage("missing or empty", element=f"{path}/ContentId")
    return value[4:] if value[:4].lower() == "cid:" else value


def _either(
    node: etree._Element, path: str, reference: etree._Element, reference_path: str, name: str
) -> str | None:
    # Attachment and manifest Reference both carry the metadata; the Attachment's wins when both do.
    value = _text(node, path, name)
    return value if value else _text(reference, reference_path, name)


def _parse_attachments(
    root: etree._Element, envelope: etree._Element, decoded: dict[etree._Element, bytes]
) -> tuple[Attachment, ...]:
    references: dict[str, etree._Element] = {}
    body = _maybe(envelope, "edXMLEnvelope", "edXMLBody")
    manifest = None if body is None else _maybe(body, "edXMLBody", "edXMLManifest")
    if manifest is not None:
        for index, reference in enumerate(_children(manifest, "Reference"), 1):
            content_id = _content_id(reference, f"edXMLManifest/Reference[{index}]")
            if content_id in references:
                raise MalformedPackage("listed twice", element=f"edXMLManifest/Reference[cid:{content_id}]")
            references[content_id] = reference
    encoded = _maybe(root, "edXML", "AttachmentEncoded")
    attachments: list[Attachment] = []
    for index, node in enumerate([] if encoded is None else _children(encoded, "Attachment"), 1):
        content_id = _content_id(node, f"AttachmentEncoded/Attachment[{index}]")
        path = f"AttachmentEncoded/Attachment[cid:{content_id}]"
        if content_id not in references:
            raise MalformedPackage("no edXMLManifest/Reference has this ContentId", element=path)
        reference = references.pop(content_id)
        reference_path = f"edXMLManifest/Reference[cid:{content_id}]"
        content = _one(node, path, "ContentTransferEncoded")

        attachments.append(
            _validated(
                Attachment,
                path,
                {
                    "ContentId": content_id,
                    "AttachmentName": _either(node, path, reference, reference_path, "AttachmentName"),
                    "ContentType": _either(node, path, reference, reference_path, "ContentType"),
                    "Description": _either(node, path, reference, reference_path, "Description"),
                    "ContentTransferEncoded": decoded.get(content),
                },
            )
        )
    if references:
        missing = ", ".join(f"cid:{content_id}" for content_id in references)
        raise MalformedPackage(
            f"no AttachmentEncoded/Attachment for {missing}", element="edXMLManifest/Reference"
        )
    return tuple(attachments)


@dataclass(frozen=True)
class _Parsed:
    root: etree._Element
    envelope: etree._Element
    header: etree._Element
    decoded: dict[etree._Element, bytes]


def _parse(source: Source, limits: ParseLimits) -> _Parsed:
    root, target = _run(source, limits, build=True)
    if root is None:
        raise MalformedPackage("no root element", element="edXML")
    decoded = dict(zip(root.iter(_CONTENT), target.decoded, strict=True))
    envelope = _one(root, "edXML", "edXMLEnvelope")
    return _Parsed(root, envelope, _one(envelope, "edXMLEnvelope", "edXMLHeader"), decoded)


def _document_from(parsed: _Parsed) -> DocumentPackage:
    header = parsed.header
    message_header = _parse_message_header(_one(header, "edXMLHeader", "MessageHeader"))
    trace_list = _one(header, "edXMLHeader", "TraceHeaderList")
    traces = [
        _validated(
            TraceHeader,
            f"TraceHeaderList/TraceHeader[{index}]",
            {
                "OrganId": _stripped(trace, f"TraceHeaderList/TraceHeader[{index}]", "OrganId"),
                "Timestamp": _timestamp(trace, f"TraceHeaderList/TraceHeader[{index}]", "Timestamp"),
            },
        )
        for index, trace in enumerate(_children(trace_list, "TraceHeader"), 1)
    ]
    if not traces:
        raise MalformedPackage("missing: at least one is required", element="TraceHeaderList/TraceHeader")
    return _validated(
        DocumentPackage,
        "edXML",
        {
            "MessageHeader": message_header,
            "TraceHeader": tuple(traces),
            "Bussiness": _parse_bussiness(_one(trace_list, "TraceHeaderList", "Bussiness")),
            "Attachment": _parse_attachments(parsed.root, parsed.envelope, parsed.decoded),
        },
    )


def _status_node(header: etree._Element) -> etree._Element | None:
    # VNPT's builder class is MessageStatus and the element it writes is Status (DOMAIN.md §1.7): accept both.
    found = _maybe(header, "edXMLHeader", "Status")
    return found if found is not None else _maybe(header, "edXMLHeader", "MessageStatus")


def _status_from(parsed: _Parsed) -> StatusPackage:
    node = _status_node(parsed.header)
    if node is None:
        raise MalformedPackage("missing: not a status package", element="edXMLHeader/Status")
    path = "Status"
    return _validated(
        StatusPackage,
        path,
        {
            "ResponseFor": _parse_response_for(_one(node, path, "ResponseFor"), f"{path}/ResponseFor"),
            "From": _parse_organization(_one(node, path, "From"), f"{path}/From"),
            "StatusCode": _stripped(node, path, "StatusCode"),
            "Description": _text(node, path, "Description"),
            "Timestamp": _timestamp(node, path, "Timestamp"),
            "StaffInfo": _parse_staff_info(node, path),
        },
    )


def parse_document(source: Source, *, limits: ParseLimits = DEFAULT_LIMITS) -> DocumentPackage:
    """Parse a document package (new / revoke / update / replace). Raises ``MalformedPackage``."""
    return _document_from(_parse(source, limits))


def parse_status(source: Source, *, limits: ParseLimits = DEFAULT_LIMITS) -> StatusPackage:
    """Parse a business status package. Raises ``MalformedPackage``."""
    return _status_from(_parse(source, limits))


def parse_package(source: Source, *, limits: ParseLimits = DEFAULT_LIMITS) -> DocumentPackage | StatusPackage:
    """Parse either kind, told apart by ``MessageHeader`` versus ``Status`` in the header."""
    parsed = _parse(source, limits)
    if _maybe(parsed.header, "edXMLHeader", "MessageHeader") is not None:
        return _document_from(parsed)
    return _status_from(parsed)
