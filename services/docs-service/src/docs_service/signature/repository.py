from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select

from docs_service import models
from kit_db import RepositoryBase

S = models.DocumentSignature


class SignatureRepository(RepositoryBase[models.DocumentSignature]):
    model = models.DocumentSignature

    async def replace(
        self, document_id: UUID, sha256: str, rows: Sequence[models.DocumentSignature]
    ) -> Sequence[models.DocumentSignature]:
        """The report of one content, validated again, replaces the earlier one."""
        await self.session.execute(delete(S).where(S.document_id == document_id, S.sha256 == sha256))
        self.session.add_all(rows)
        await self.session.flush()
        return rows

    async def of_document(self, document_id: UUID) -> Sequence[models.DocumentSignature]:
        stmt = select(S).where(S.document_id == document_id).order_by(S.validated_at, S.sha256, S.position)
        return (await self.session.execute(stmt)).scalars().all()

    async def kind_of(
        self, document_id: UUID, serial: str, field_name: str
    ) -> tuple[str | None, str, str | None, UUID | None] | None:
        """How an earlier signature applied here was made (kind, origin, key, signer), if it was."""
        stmt = (
            select(S.kind, S.origin, S.key_ref, S.signed_by)
            .where(
                S.document_id == document_id,
                S.signer_serial == serial,
                S.field_name == field_name,
                S.origin == "signed",
            )
            .limit(1)
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row[0], row[1], row[2], row[3])
