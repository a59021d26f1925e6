"""Files of documents: uploads streamed into the blob store, typed by their content, attached to drafts.

An upload is streamed part by part (python-multipart's push parser on the raw request body) into a
staged object, hashed and counted as it arrives: past the size limit it stops at once. Then the
content is sniffed (never the client's Content-Type): an executable, a type we do not take, a
name whose extension contradicts the content, or a damaged PDF/ZIP is refused and the staged
object discarded, so nothing is stored. Accepted contents are kept once per SHA-256.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Final
from uuid import UUID

import anyio
import puremagic
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.audit.service import audit_trail
from docs_service.blobstore import BlobStore, Staged, TooLarge
from docs_service.document.service import document as document_service
from docs_service.search.service import search as search_index
from kit_contracts import FileRef
from kit_core import Principal, get_logger, new_id

from .exceptions import (
    DisguisedFile,
    ExecutableRefused,
    FileNotFound,
    MainFileExists,
    MainFileNotPdf,
    MalformedRange,
    MalformedUpload,
    NotMultipart,
    RangeNotSatisfiable,
    UnsupportedFileType,
    UploadTooLarge,
)
from .repository import BlobRepository, DocumentFileRepository
from .schemas import VerifyReport

log = get_logger(__name__)

PDF: Final = "application/pdf"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX: Final = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT: Final = "application/vnd.oasis.opendocument.text"
ODS: Final = "application/vnd.oasis.opendocument.spreadsheet"
# What we take, and the extensions a name of that content may carry (the first one is added to a
# name that has none).
ACCEPTED: Final[dict[str, tuple[str, ...]]] = {
    PDF: (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    ODT: (".odt",),
    ODS: (".ods",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/tiff": (".tif", ".tiff"),
    "application/zip": (".zip",),
}
OLE: Final = bytes.fromhex("D0CF11E0A1B11AE1")  # DOC and XLS share the container
OLE_BY_EXTENSION: Final = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}
EXECUTABLE: Final = (
    (b"MZ", "a Windows executable (PE/MZ)"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O universal binary or Java class"),
    (b"#!", "a script"),
)
RESERVED_NAMES: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
)
NAME_MAX: Final = 200
FORM_SLACK: Final = 64 * 1024  # multipart framing and small fields around the file


def sanitise(name: str) -> str:
    """The last path segment, NFC, without control or reserved characters, trimmed; never empty."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/")
    name = PurePosixPath(name).name if "/" in name else name
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"/\\|?*')
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if (dot and stem.upper() in RESERVED_NAMES) or name.upper() in RESERVED_NAMES:
        name = "_" + name
    if len(name) > NAME_MAX:
        suffix = ("." + ext)[:16] if dot else ""
        name = name[: NAME_MAX - len(suffix)].rstrip(" .") + suffix
    return name or "tep-dinh-kem"


def _is_digest(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def extension(name: str) -> str:
    return Path(name).suffix.lower()


def _zip_type(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if archive.testzip() is not None:
                raise MalformedUpload("the ZIP container is damaged: a member fails its CRC check")
            if "mimetype" in names:
                kind = archive.read("mimetype").decode("ascii", "replace").strip()
                if kind in (ODT, ODS):
                    return kind
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise MalformedUpload(
            f"the file starts like a ZIP container but is not a readable one ({exc})"
        ) from exc
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
        if "ppt/presentation.xml" in names:
            return PPTX
    return "application/zip"


def _pdf_complete(path: Path, size: int) -> bool:
    with path.open("rb") as f:
        f.seek(max(0, size - 2048))
        return b"%%EOF" in f.read()


def sniff(path: Path, head: bytes, size: int, name: str) -> str:
    """The content type of the staged object, decided from its bytes; refusals as problems."""
    if size == 0:
        raise MalformedUpload("the file is empty")
    for magic, what in EXECUTABLE:
        if head.startswith(magic):
            raise ExecutableRefused(f"{name!r} is {what}; executable content is never stored", detected=what)
    ext = extension(name)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        found = _zip_type(path)
    elif head.startswith(b"%PDF-"):
        if not _pdf_complete(path, size):
            raise MalformedUpload(f"{name!r} is a truncated or damaged PDF: it has no %%EOF marker")
        found = PDF
    elif head.startswith(OLE):
        found = OLE_BY_EXTENSION.get(ext, "application/msword")
    else:
        try:
            matches = puremagic.magic_file(path)
        except (puremagic.PureError, ValueError):
            matches = []
        known = [m.mime_type for m in matches if m.mime_type in ACCEPTED and m.confidence >= 0.8]
        if not known:
            guess = next((m.mime_type or m.extension for m in matches if m.mime_type or m.extension), None)
            raise UnsupportedFileType(
                f"{name!r} is {'of type ' + guess if guess else 'of no type we recognise'}; accepted are "
                "PDF, DOCX, DOC, XLSX, XLS, ODT, ODS, PPTX, PNG, JPEG, TIFF and ZIP",
                detected=guess,
            )
        found = known[0]
    if ext and ext not in ACCEPTED[found]:
        raise DisguisedFile(
            f"{name!r} is named {ext} but its content is {found}; rename it {ACCEPTED[found][0]} if that is right",
            detected=found,
        )
    return found


def check_range(header: str, size: int) -> None:
    """Refuse, as problems, a Range the file response would answer in plain text: not bytes, not
    parseable (400), or wholly outside the file (416). Serving the ranges is FileResponse's job."""
    unit, eq, spec = header.partition("=")
    if not eq or unit.strip().lower() != "bytes" or not spec.strip():
        raise MalformedRange(f"Range {header!r}: expected bytes=<start>-<end>[, …]")
    satisfiable = False
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        if (
            not dash
            or not (first or last)
            or (first and not first.isdigit())
            or (last and not last.isdigit())
        ):
            raise MalformedRange(
                f"Range {header!r}: {part.strip()!r} is not <start>-<end>, <start>- or -<suffix>"
            )
        if first and last and int(last) < int(first):
            raise MalformedRange(f"Range {header!r}: {part.strip()!r} ends before it starts")
        satisfiable |= (int(first) < size) if first else (int(last) > 0 and size > 0)
    if not satisfiable:
        raise RangeNotSatisfiable(f"the file has {size} bytes; Range {header!r} lies outside it", size=size)


@dataclass
class Upload:
    staged: Staged
    filename: str
    main: bool
    text_layer: tuple[str, int] | None = None  # a PDF's text and page count, read before any lock


class _Form:
    """python-multipart's callbacks: the ``file`` part's bytes queue for the store, small fields are kept."""

    def __init__(self) -> None:
        self.pending: list[bytes] = []
        self.parts: list[tuple[str, str | None, bytes]] = []  # (name, filename, value of a small field)
        self.files = 0
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._name = ""
        self._filename: str | None = None

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self._headers, self._field, self._value = {}, b"", b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _, disposition = parse_options_header(self._headers.get(b"content-disposition"))
        self._name = disposition.get(b"name", b"").decode("utf-8", "replace")
        raw = disposition.get(b"filename")
        self._filename = raw.decode("utf-8", "replace") if raw is not None else None
        if self._name == "file":
            self.files += 1
        self._value = b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name == "file" and self.files == 1:
            self.pending.append(data[start:end])
            return
        self._value += data[start:end]
        if len(self._value) > 1024:
            raise MalformedUpload("form fields besides the file are short (main=true|false)")

    def on_part_end(self) -> None:
        self.parts.append((self._name, self._filename, self._value))


async def receive(
    stream: AsyncIterator[bytes], content_type: str | None, store: BlobStore, *, limit: int
) -> Upload:
    """Stream a multipart/form-data body (one ``file`` part, an optional ``main`` field) into a
    staged object. Anything malformed, or a file over ``limit`` bytes, is refused and discarded."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        raise NotMultipart("send the file as multipart/form-data with a part named 'file'")
    boundary = options.get(b"boundary")
    if not boundary:
        raise MalformedUpload("the multipart Content-Type has no boundary")
    staged = await store.stage(limit=limit)
    form = _Form()
    parser = MultipartParser(boundary, form.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in stream:
            try:
                parser.write(chunk)
            except MalformedUpload:
                raise
            except Exception as exc:  # python-multipart's MultipartParseError and friends
                raise MalformedUpload(f"the multipart body cannot be parsed: {exc}") from exc
            for data in form.pending:
                await staged.write(data)
            form.pending.clear()
        try:
            parser.finalize()
        except Exception as exc:
            raise MalformedUpload(f"the multipart body ends early: {exc}") from exc
        await staged.close()
        names = [name for name, _, _ in form.parts]
        if form.files != 1 or names.count("file") != 1:
            raise MalformedUpload("send exactly one part named 'file' (the file, with its filename)")
        if unknown := sorted(set(names) - {"file", "main"}):
            raise MalformedUpload(
                f"unknown form fields: {', '.join(unknown)}; only 'file' and 'main' are read"
            )
        main = [
            value.decode("utf-8", "replace").strip().lower()
            for name, _, value in form.parts
            if name == "main"
        ]
        if main and main[0] not in ("true", "false", "1", "0"):
            raise MalformedUpload("main is true or false")
        filename = next(f for name, f, _ in form.parts if name == "file") or ""
        if not filename.strip():
            raise MalformedUpload("the 'file' part carries no filename")
        return Upload(staged=staged, filename=filename, main=bool(main) and main[0] in ("true", "1"))
    except TooLarge as exc:
        await store.discard(staged)
        raise UploadTooLarge(f"files are limited to {exc.limit} bytes", limit=exc.limit) from None
    except BaseException:
        await store.discard(staged)
        raise


class FileService:
    async def attach(
        self,
        session: AsyncSession,
        store: BlobStore,
        principal: Principal,
        doc: models.Document,
        upload: Upload,
        *,
        at: datetime,
    ) -> tuple[models.DocumentFile, bool]:
        """Attach the staged upload to the draft (a new version). The same content twice on one
        document is the same attachment (created=False). On any refusal the staged object goes."""
        staged = upload.staged
        try:
            document_service.ensure_editable(doc)
            name = sanitise(upload.filename)
            content_type = await anyio.to_thread.run_sync(sniff, staged.path, staged.head, staged.size, name)
            if not extension(name):
                name = (name + ACCEPTED[content_type][0])[-NAME_MAX:]
            files = DocumentFileRepository(session)
            existing = await files.by_content(doc.id, staged.sha256)
            if existing is not None:
                await store.discard(staged)
                return existing, False
            if upload.main:
                if content_type != PDF:
                    raise MainFileNotPdf(
                        f"the main file is the PDF that gets signed; {name!r} is {content_type}"
                    )
                if any(f.main for f in await files.of_document(doc.id)):
                    raise MainFileExists(f"document {doc.id} has a main file; remove it first")
        except BaseException:
            await store.discard(staged)
            raise
        await BlobRepository(session).add_if_missing(
            {"sha256": staged.sha256, "size": staged.size, "content_type": content_type, "created_at": at}
        )
        attached = await files.add(
            models.DocumentFile(
                id=new_id(),
                document_id=doc.id,
                sha256=staged.sha256,
                name=name,
                content_type=content_type,
                size=staged.size,
                main=upload.main,
                uploaded_by=principal.user_id,
                uploaded_at=at,
            )
        )
        await search_index.keep_layer(
            session, staged.sha256, content_type, upload.text_layer, path=staged.path, at=at
        )
        # The object is kept before the transaction commits: if it then rolls back, an unreferenced
        # object stays behind (content-addressed, so harmless, and reused by the next equal upload).
        stored = await store.keep(staged)
        await document_service.record(
            session,
            doc,
            "file_added",
            principal,
            at,
            {"files": {"from": None, "to": {"id": str(attached.id), "name": name, "sha256": staged.sha256}}},
        )
        log.info("file.attached", document_id=str(doc.id), sha256=staged.sha256, size=staged.size, new=stored)
        return attached, True

    async def adopt(
        self,
        session: AsyncSession,
        store: BlobStore,
        copies: Sequence[tuple[models.Document, Sequence[FileRef]]],
        *,
        at: datetime,
    ) -> dict[UUID, tuple[list[models.DocumentFile], list[FileRef]]]:
        """The sender's files for incoming copies of this installation: new rows of each copy (not
        yet added to the session: the copies are written first) pointing at the contents the store
        already holds (stored once, shared by digest). A file whose
        content is not here (an external document) is returned as missing, never an error. The type
        is the one sniffed when the content was stored, never the sender's word; the main file is the
        first main PDF. Each content is looked up, checked on disk and text-indexed once per call, so a
        broadcast's copies cost one row each."""
        wanted = {ref.sha256.lower() for _, refs in copies for ref in refs}
        blobs = await BlobRepository(session).by_digests(sorted(d for d in wanted if _is_digest(d)))
        present: dict[str, models.Blob] = {}
        for digest, blob in blobs.items():
            path = store.path_of(digest)
            if await anyio.to_thread.run_sync(path.is_file):
                present[digest] = blob
                await search_index.keep_layer(session, digest, blob.content_type, None, path=path, at=at)
        out: dict[UUID, tuple[list[models.DocumentFile], list[FileRef]]] = {}
        for doc, refs in copies:
            attached: list[models.DocumentFile] = []
            missing: list[FileRef] = []
            seen: set[str] = set()
            has_main = False
            for ref in refs:
                digest = ref.sha256.lower()
                if digest in seen:
                    continue  # the same content twice is one attachment
                seen.add(digest)
                held = present.get(digest)
                if held is None:
                    missing.append(ref)
                    continue
                main = ref.main and held.content_type == PDF and not has_main
                has_main |= main
                name = sanitise(ref.name)
                if not extension(name):
                    name = (name + ACCEPTED.get(held.content_type, ("",))[0])[-NAME_MAX:]
                attached.append(
                    models.DocumentFile(
                        id=new_id(),
                        document_id=doc.id,
                        sha256=held.sha256,
                        name=name,
                        content_type=held.content_type,
                        size=held.size,
                        main=main,
                        uploaded_by=None,
                        uploaded_at=at,
                    )
                )
            if missing:
                log.info(
                    "intake.files_missing",
                    document_id=str(doc.id),
                    missing=[ref.sha256 for ref in missing],
                )
            out[doc.id] = (attached, missing)
        return out

    async def downloaded(
        self,
        session: AsyncSession,
        principal: Principal,
        doc: models.Document,
        found: models.DocumentFile,
        *,
        at: datetime,
        byte_range: str | None,
    ) -> None:
        """Every read of a file's bytes goes to the audit trail (the range too, when one was asked)."""
        await audit_trail.record(
            session,
            doc,
            "file.downloaded",
            at=at,
            actor_id=principal.user_id,
            actor_name=principal.name or principal.username,
            detail={"file_id": found.id, "name": found.name, "sha256": found.sha256, "range": byte_range},
        )

    async def list(self, session: AsyncSession, doc: models.Document) -> Sequence[models.DocumentFile]:
        return await DocumentFileRepository(session).of_document(doc.id)

    async def get(self, session: AsyncSession, doc: models.Document, file_id: UUID) -> models.DocumentFile:
        found = await DocumentFileRepository(session).get(file_id)
        if found is None or found.document_id != doc.id:
            raise FileNotFound(f"document {doc.id} has no file {file_id}")
        return found

    async def remove(
        self,
        session: AsyncSession,
        principal: Principal,
        doc: models.Document,
        file_id: UUID,
        *,
        at: datetime,
    ) -> None:
        document_service.ensure_editable(doc)
        found = await self.get(session, doc, file_id)
        await DocumentFileRepository(session).remove(found)
        await document_service.record(
            session,
            doc,
            "file_removed",
            principal,
            at,
            {
                "files": {
                    "from": {"id": str(found.id), "name": found.name, "sha256": found.sha256},
                    "to": None,
                }
            },
        )

    async def verify(self, session: AsyncSession, store: BlobStore) -> VerifyReport:
        """Hash every stored object again: which changed, which went missing."""
        digests = await BlobRepository(session).all_digests()
        changed, missing = [], []
        for sha256 in digests:
            actual = await store.digest(sha256)
            if actual is None:
                missing.append(sha256)
            elif actual != sha256:
                changed.append(sha256)
        known = set(digests)
        unreferenced = [d for d in await store.digests() if d not in known]
        return VerifyReport(
            checked=len(digests),
            ok=len(digests) - len(changed) - len(missing),
            changed=changed,
            missing=missing,
            unreferenced=unreferenced,
        )


file = FileService()
