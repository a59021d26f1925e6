"""Signing a document's main PDF (the leader's signature, then the agency's seal on top) and
validating the signatures of its PDFs, with the reports stored.

Signing happens inside the step's transaction: the signed file is a new content-addressed object,
the main file row points at it, the version history records old → new digest, and the new file is
validated at once; if signing fails, the step fails and nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, Literal

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from docs_service import models
from docs_service.agency.repository import AgencyRepository
from docs_service.blobstore import BlobStore
from docs_service.document.service import document as document_service
from docs_service.file.repository import BlobRepository, DocumentFileRepository
from kit_core import Principal, get_logger, new_id

from .context import Signing
from .exceptions import SigningUnavailable, UnsignablePdf
from .keys import KeyReference
from .repository import SignatureRepository
from .signer import (
    BLUE,
    PERSONAL_BOX,
    RED,
    SEAL_BOX,
    SignatureRequest,
    SigningFailed,
    Stamp,
    UnreadablePdf,
    sign_pdf,
)
from .validator import SignatureReport, validate_pdf

log = get_logger(__name__)

PDF: Final = "application/pdf"
Kind = Literal["personal", "agency"]
FIELDS: Final[dict[str, str]] = {"personal": "PersonalSignature", "agency": "AgencySeal"}
REASONS: Final[dict[str, str]] = {
    "personal": "Ký ban hành văn bản",
    "agency": "Chữ ký số của cơ quan, tổ chức",
}


def _read(store: BlobStore, sha256: str) -> bytes:
    return store.path_of(sha256).read_bytes()


class SignatureService:
    async def main_pdf(self, session: AsyncSession, doc: models.Document) -> models.DocumentFile | None:
        for f in await DocumentFileRepository(session).of_document(doc.id):
            if f.main and f.content_type == PDF:
                return f
        return None

    async def key_for(
        self, session: AsyncSession, signing: Signing, principal: Principal, doc: models.Document, kind: Kind
    ) -> KeyReference:
        agency = await AgencyRepository(session).get(doc.org_id)
        agency_name = agency.name if agency else None
        if kind == "personal":
            return await anyio.to_thread.run_sync(
                lambda: signing.person_key(
                    principal.user_id, name=doc.signer_name or principal.name, agency_name=agency_name
                )
            )
        return await anyio.to_thread.run_sync(
            lambda: signing.agency_key(
                doc.org_id,
                agency_name=agency_name or str(doc.org_id),
                agency_code=agency.code if agency else None,
            )
        )

    async def sign_main(
        self,
        session: AsyncSession,
        store: BlobStore,
        signing: Signing,
        principal: Principal,
        doc: models.Document,
        kind: Kind,
        *,
        at: datetime,
    ) -> models.DocumentFile | None:
        """Sign the document's main PDF with the person's or the agency's key; None if it has none
        (the step is then recorded without a file signature, as for a paper original)."""
        main = await self.main_pdf(session, doc)
        if main is None:
            log.info("signature.no_main_pdf", document_id=str(doc.id), kind=kind)
            return None
        key = await self.key_for(session, signing, principal, doc, kind)
        agency = await AgencyRepository(session).get(doc.org_id)
        signer_name = doc.signer_name or principal.name or ""
        stamp = None
        if signing.stamp_font is not None:
            if kind == "personal":
                text = f"{signer_name}\nKý ngày: %(ts)s"
                stamp = Stamp(text=text, box=PERSONAL_BOX, color=BLUE, font=signing.stamp_font)
            else:
                text = f"{agency.name if agency else ''}\nĐóng dấu: %(ts)s"
                stamp = Stamp(text=text, box=SEAL_BOX, color=RED, font=signing.stamp_font)
        request = SignatureRequest(
            field_name=FIELDS[kind],
            reason=REASONS[kind],
            location=doc.place or None,
            name=signer_name or None if kind == "personal" else None,
            stamp=stamp,
        )
        original = await anyio.to_thread.run_sync(_read, store, main.sha256)
        try:
            signed = await anyio.to_thread.run_sync(sign_pdf, original, key, request)
        except UnreadablePdf as exc:
            raise UnsignablePdf(
                f"the main file {main.name!r} cannot be read as a PDF to sign: {exc}"
            ) from exc
        except SigningFailed as exc:
            log.warning(
                "signature.failed", document_id=str(doc.id), kind=kind, key=key.describe(), error=str(exc)
            )
            raise SigningUnavailable(
                f"the {kind} signature could not be applied with {key.describe()}: {exc}"
            ) from exc
        staged = await store.stage(limit=len(signed) + 1)
        try:
            await staged.write(signed)
        except BaseException:
            await store.discard(staged)
            raise
        await BlobRepository(session).add_if_missing(
            {"sha256": staged.sha256, "size": staged.size, "content_type": PDF, "created_at": at}
        )
        previous = main.sha256
        main.sha256, main.size = staged.sha256, staged.size
        await session.flush()
        await store.keep(staged)
        await document_service.record(
            session,
            doc,
            f"file_signed_{kind}",
            principal,
            at,
            {
                "files": {
                    "from": {"id": str(main.id), "sha256": previous},
                    "to": {"id": str(main.id), "sha256": main.sha256},
                }
            },
        )
        reports = await self.validate_file(session, store, signing, doc, main, at=at)
        if reports:  # the newest signature is ours: record who and with which key
            ours = reports[-1]
            ours.kind, ours.origin, ours.key_ref, ours.signed_by = (
                kind,
                "signed",
                key.describe(),
                principal.user_id,
            )
            await session.flush()
        log.info(
            "signature.applied", document_id=str(doc.id), kind=kind, sha256=main.sha256, key=key.describe()
        )
        return main

    async def validate_file(
        self,
        session: AsyncSession,
        store: BlobStore,
        signing: Signing,
        doc: models.Document,
        file: models.DocumentFile,
        *,
        at: datetime,
    ) -> list[models.DocumentSignature]:
        """Validate every signature in one stored PDF and store the report (replacing an earlier
        report of the same content). Never raises for a bad file: problems are in the report."""
        data = await anyio.to_thread.run_sync(_read, store, file.sha256)
        trust = await anyio.to_thread.run_sync(signing.trust)
        found, problem = await anyio.to_thread.run_sync(lambda: validate_pdf(data, trust))
        if problem is not None:
            log.warning(
                "signature.unreadable_pdf", document_id=str(doc.id), file_id=str(file.id), problem=problem
            )
        repository = SignatureRepository(session)
        rows = [self._row(doc, file, report, at) for report in found]
        for row in rows:  # a signature applied here stays known as ours when validated again
            prior = await repository.kind_of(doc.id, row.signer_serial, row.field_name)
            if prior is not None:
                row.kind, row.origin, row.key_ref, row.signed_by = prior
        return list(await repository.replace(doc.id, file.sha256, rows))

    async def validate_received(
        self,
        session: AsyncSession,
        store: BlobStore,
        signing: Signing,
        files: Sequence[tuple[models.Document, models.DocumentFile]],
        *,
        at: datetime,
    ) -> dict[str, tuple[int, int]]:
        """Reports for the PDFs of new incoming copies: each content validated once, its report
        stored for every copy that holds it (a broadcast's 491 copies share one validation). What
        the validator cannot do at all (a trust store that will not load) is logged per content and
        intake goes on: ``POST …/signatures/validate`` does it again. Returns, per content, how many
        signatures were found and how many are valid."""
        by_digest: dict[str, list[tuple[models.Document, models.DocumentFile]]] = {}
        for doc, f in files:
            if f.content_type == PDF:
                by_digest.setdefault(f.sha256, []).append((doc, f))
        rows: list[models.DocumentSignature] = []
        found_by_digest: dict[str, tuple[int, int]] = {}
        for digest, holders in by_digest.items():
            try:
                data = await anyio.to_thread.run_sync(_read, store, digest)
                trust = await anyio.to_thread.run_sync(signing.trust)
                found, problem = await anyio.to_thread.run_sync(validate_pdf, data, trust)
            except Exception as exc:
                log.warning("intake.validation_failed", sha256=digest, copies=len(holders), error=repr(exc))
                continue
            if problem is not None:
                log.warning("signature.unreadable_pdf", sha256=digest, copies=len(holders), problem=problem)
            rows += [self._row(doc, f, report, at) for doc, f in holders for report in found]
            found_by_digest[digest] = (len(found), sum(r.bottom_line for r in found))
        await SignatureRepository(session).add_all(rows)
        return found_by_digest

    async def validate_document(
        self, session: AsyncSession, store: BlobStore, signing: Signing, doc: models.Document, *, at: datetime
    ) -> list[models.DocumentSignature]:
        out: list[models.DocumentSignature] = []
        for f in await DocumentFileRepository(session).of_document(doc.id):
            if f.content_type == PDF:
                out += await self.validate_file(session, store, signing, doc, f, at=at)
        return out

    async def of_document(
        self, session: AsyncSession, doc: models.Document
    ) -> Sequence[models.DocumentSignature]:
        """The reports of the document's current files (older versions' reports are kept, not shown)."""
        current = {f.sha256 for f in await DocumentFileRepository(session).of_document(doc.id)}
        return [s for s in await SignatureRepository(session).of_document(doc.id) if s.sha256 in current]

    @staticmethod
    def _row(
        doc: models.Document, file: models.DocumentFile, report: SignatureReport, at: datetime
    ) -> models.DocumentSignature:
        return models.DocumentSignature(
            id=new_id(),
            document_id=doc.id,
            file_id=file.id,
            sha256=file.sha256,
            position=report.position,
            origin="received",
            kind=None,
            key_ref=None,
            field_name=report.field_name,
            signer_common_name=report.signer_common_name,
            signer_organisation=report.signer_organisation,
            signer_serial=report.signer_serial,
            issuer=report.issuer,
            signing_time=report.signing_time,
            intact=report.intact,
            valid=report.valid,
            trusted=report.trusted,
            revocation=report.revocation,
            coverage=report.coverage,
            modification=report.modification,
            bottom_line=report.bottom_line,
            summary=report.summary,
            problems=report.problems,
            signed_by=None,
            validated_at=at,
        )


signature = SignatureService()
