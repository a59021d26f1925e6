from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, select

from docs_service import models
from kit_db import RepositoryBase, insert_ignore_returning


class BlobRepository(RepositoryBase[models.Blob]):
    model = models.Blob

    async def add_if_missing(self, row: dict[str, Any]) -> bool:
        table = cast(Table, models.Blob.__table__)
        return bool(await insert_ignore_returning(self.session, table, [row], table.c.sha256))

    async def by_digest(self, sha256: str) -> models.Blob | None:
        return await self.session.get(models.Blob, sha256)

    async def by_digests(self, digests: Sequence[str]) -> dict[str, models.Blob]:
        if not digests:
            return {}
        stmt = select(models.Blob).where(models.Blob.sha256.in_(list(digests)))
        return {b.sha256: b for b in (await self.session.execute(stmt)).scalars()}

    async def all_digests(self) -> Sequence[str]:
        stmt = select(models.Blob.sha256).order_by(models.Blob.sha256)
        return (await self.session.execute(stmt)).scalars().all()


class DocumentFileRepository(RepositoryBase[models.DocumentFile]):
    model = models.DocumentFile

    async def of_document(self, document_id: UUID) -> Sequence[models.DocumentFile]:
        stmt = (
            select(models.DocumentFile)
            .where(models.DocumentFile.document_id == document_id)
            .order_by(
                models.DocumentFile.main.desc(), models.DocumentFile.uploaded_at, models.DocumentFile.id
            )
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def by_content(self, document_id: UUID, sha256: str) -> models.DocumentFile | None:
        stmt = select(models.DocumentFile).where(
            models.DocumentFile.document_id == document_id, models.DocumentFile.sha256 == sha256
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def remove(self, file: models.DocumentFile) -> None:
        await self.session.delete(file)
        await self.session.flush()
