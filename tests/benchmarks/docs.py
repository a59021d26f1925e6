"""``make bench-docs``: docs-service on PostgreSQL — issue throughput and search latency.

docs-service runs in-process (its real app, lifespan and consumers; HTTP through an ASGI transport,
tokens from the test mint) on a fresh PostgreSQL database, with the in-process bus. Two figures:

- issue throughput: documents per second taken all the way through create → attach a 200 KB main
  PDF (a real text layer, extracted for search) → submit → approve → sign (PAdES, the leader's key)
  → seal (the agency's key) → issue (number from the register), several pipelines at once;
- search: a corpus of 1,000,000 documents spread over 250 agencies, generated in bulk SQL
  (``INSERT … SELECT generate_series``: no API, no Python per row) with their search entries folded
  by the database itself (``docs_fold``: unaccent, đ→d, lower case) and the GIN indexes built after
  the load; then p50/p95 of ``GET /api/v1/search`` as a leader of one agency, for words, prefixes,
  notation fragments, filters and sorts.

Prints its figures; asserts nothing. About 5 to 8 minutes on two cores with the default sizes, most of
it spent generating and indexing the corpus (see ``--corpus`` for a quicker run). Needs the
PostgreSQL that ``make bench-docs`` starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
from fpdf import FPDF
from pydantic import SecretStr
from sqlalchemy import text

from docs_service import MIGRATIONS
from docs_service.app import create_app
from docs_service.config import Settings
from kit_bus.testing import ServiceUnderTest, publish, service_under_test
from kit_contracts import OrgCreated, Tier
from kit_core import configure_logging
from kit_db import make_engine

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
AGENCIES = 250
TYPES = [
    ("quyet_dinh", "Quyết định", "QĐ"),
    ("ke_hoach", "Kế hoạch", "KH"),
    ("bao_cao", "Báo cáo", "BC"),
    ("to_trinh", "Tờ trình", "TTr"),
    ("thong_bao", "Thông báo", "TB"),
]
TOPICS = [
    "đầu tư xây dựng",
    "đường giao thông nông thôn",
    "chuyển đổi số",
    "phòng chống thiên tai",
    "công tác cán bộ",
    "quản lý đất đai",
    "bảo vệ môi trường",
    "phát triển du lịch",
    "cải cách hành chính",
    "an toàn thực phẩm",
    "phòng cháy chữa cháy",
    "giáo dục và đào tạo",
    "y tế cơ sở",
    "thu ngân sách nhà nước",
    "quy hoạch đô thị",
    "hỗ trợ hộ nghèo",
    "nông thôn mới",
    "an ninh trật tự",
    "khoa học công nghệ",
    "văn hóa thể thao",
]
PLACES = [
    "huyện Gia Viễn",
    "huyện Hoa Lư",
    "huyện Kim Sơn",
    "huyện Nho Quan",
    "huyện Yên Khánh",
    "huyện Yên Mô",
    "thành phố Ninh Bình",
    "thành phố Tam Điệp",
    "xã Đồng Hướng",
    "phường Đông Thành",
]
URGENCIES = ["thuong", "thuong", "thuong", "khan", "thuong_khan", "hoa_toc"]
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("two words, relevance", {"q": "quyet dinh dau tu"}),
    ("three words, newest first", {"q": "ke hoach chuyen doi so", "sort": "newest"}),
    ("with diacritics", {"q": "phòng chống thiên tai"}),
    ("prefix", {"q": "giao th"}),
    ("rare word", {"q": "Đồng Hướng cháy"}),
    ("notation fragment (trigram)", {"q": "QĐ-BN"}),
    ("number and notation", {"q": "15/QĐ"}),
    ("filters only", {"status": "issued", "from": "2024-01-01", "to": "2024-12-31"}),
    ("words + filters", {"q": "bao cao", "urgency": "khan", "direction": "outgoing"}),
    ("no match", {"q": "xyzzy"}),
]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def pdf_of(kb: int) -> bytes:
    """A real PDF of about ``kb`` KB: uncompressed pages of Vietnamese text (a text layer to extract)."""
    lines = 1000
    while True:
        pdf = FPDF()
        pdf.set_compression(False)
        pdf.add_font("DejaVu", fname=str(DEJAVU))
        pdf.set_font("DejaVu", size=10)
        pdf.add_page()
        for line in range(lines):
            topic, place = TOPICS[line % len(TOPICS)], PLACES[line % len(PLACES)]
            pdf.cell(0, 5, f"Điều {line + 1}. Triển khai {topic} tại {place}.")
            pdf.ln()
        data = bytes(pdf.output())
        if len(data) >= kb * 1024:
            return data
        lines = int(lines * kb * 1024 / len(data)) + 10


class Pipeline:
    def __init__(self, running: ServiceUnderTest, org_id: UUID) -> None:
        self.specialist = running.client_for(org_id, ["specialist"], name="Nguyễn Văn An")
        self.leader = running.client_for(org_id, ["leader"], name="Trần Thị Bình")
        self.clerk = running.client_for(org_id, ["clerk"], name="Lê Văn Cường")

    async def issue_one(self, n: int, pdf: bytes) -> float:
        started = time.perf_counter()
        await issue_signed(self.specialist, self.leader, self.clerk, n, pdf)
        return time.perf_counter() - started


async def issue_signed(
    specialist: httpx.AsyncClient, leader: httpx.AsyncClient, clerk: httpx.AsyncClient, n: int, pdf: bytes
) -> str:
    """A decision with ``pdf`` as its main file: drafted, signed by the leader, sealed, issued; its id."""
    created = await specialist.post(
        "/api/v1/documents",
        json={
            "type_code": "quyet_dinh",
            "subject": f"Về việc phê duyệt kế hoạch chuyển đổi số số {n}",
            "urgency": "thuong",
            "confidentiality": "thuong",
            "signer_competence": "KT.",
            "signer_position": "Phó Chủ tịch",
            "signer_name": "Trần Thị Bình",
        },
    )
    doc_id: str = ok(created)["id"]
    ok(
        await specialist.post(
            f"/api/v1/documents/{doc_id}/files",
            files={"file": (f"qd-{n}.pdf", pdf)},
            data={"main": "true"},
        )
    )
    for client, action in (
        (specialist, "submit"),
        (leader, "approve"),
        (leader, "sign"),
        (clerk, "seal"),
        (clerk, "issue"),
    ):
        ok(await client.post(f"/api/v1/documents/{doc_id}/{action}"))
    return doc_id


def ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
    return response.json()


async def issue_throughput(running: ServiceUnderTest, documents: int, pipelines: int) -> dict[str, Any]:
    org = OrgCreated(
        org_id=uuid4(),
        code="000.00.00.H42",
        name="Ủy ban nhân dân tỉnh Ninh Bình",
        short_name="UBND",
        tier=Tier.PROVINCE,
    )
    await publish(running.bus, [org])
    pdf = pdf_of(200)
    lanes = [Pipeline(running, org.org_id) for _ in range(pipelines)]
    await lanes[0].issue_one(0, pdf)  # warm-up: keys issued by the development CA, caches
    queue = list(range(1, documents + 1))
    latencies: list[float] = []

    async def lane(p: Pipeline) -> None:
        while queue:
            latencies.append(await p.issue_one(queue.pop(), pdf))

    started = time.perf_counter()
    await asyncio.gather(*(lane(p) for p in lanes))
    elapsed = time.perf_counter() - started
    return {
        "issued": documents,
        "pipelines": pipelines,
        "pdf_kb": round(len(pdf) / 1024),
        "documents_per_s": round(documents / elapsed, 2),
        "document_s_p50": round(percentile(latencies, 0.5), 2),
        "document_s_p95": round(percentile(latencies, 0.95), 2),
    }


CORPUS_SQL = [
    """
    INSERT INTO agency (id, code, name, short_name, tier, active, updated_at)
    SELECT gen_random_uuid(), 'B' || lpad(k::text, 12, '0'), 'Ủy ban nhân dân xã số ' || k, 'BN' || k,
           'commune', true, now()
    FROM generate_series(1, :agencies) AS s(k)
    """,
    """
    CREATE TEMP TABLE bench_org AS
    SELECT (row_number() OVER (ORDER BY code) - 1)::int AS k, id, short_name FROM agency WHERE code LIKE 'B%'
    """,
    "DROP INDEX ix_search_entry_tsv",
    "DROP INDEX ix_search_entry_code_trgm",
    """
    INSERT INTO document (
        id, org_id, direction, status, version, type_code, type_name, type_abbreviation, subject, summary,
        urgency, confidentiality, document_date, number, number_text, notation, exchange_id,
        sender_name, arrival_date, created_at, updated_at)
    SELECT gen_random_uuid(), o.id,
           CASE WHEN g.j % 10 IN (7, 8) THEN 'incoming' ELSE 'outgoing' END,
           CASE WHEN g.j % 10 IN (7, 8) THEN 'registered' WHEN g.j % 10 = 9 THEN 'draft' ELSE 'issued' END,
           3, t.code, t.name, t.abbreviation,
           'Về việc ' || (CAST(:topics AS text[]))[1 + (g.j * 7919 + g.i / 7) % cardinality(CAST(:topics AS text[]))] || ' và '
               || (CAST(:topics AS text[]))[1 + (g.j * 104729 + g.i / 3) % cardinality(CAST(:topics AS text[]))] || ' tại '
               || (CAST(:places AS text[]))[1 + (g.j * 31) % cardinality(CAST(:places AS text[]))],
           CASE WHEN g.j % 3 = 0 THEN 'Tóm tắt: ' || (CAST(:topics AS text[]))[1 + (g.j * 13) % cardinality(CAST(:topics AS text[]))] END,
           (CAST(:urgencies AS text[]))[1 + g.j % cardinality(CAST(:urgencies AS text[]))], 'thuong',
           CASE WHEN g.j % 10 <> 9 THEN DATE '2020-01-01' + (g.j % 2500) END,
           CASE WHEN g.j % 10 <> 9 THEN g.j + 1 END,
           CASE WHEN g.j % 10 <> 9 THEN lpad((g.j + 1)::text, 2, '0') END,
           CASE WHEN g.j % 10 <> 9 THEN t.abbreviation || '-' || o.short_name END,
           NULL,
           CASE WHEN g.j % 10 IN (7, 8) THEN 'Ủy ban nhân dân ' || (CAST(:places AS text[]))[1 + g.j % cardinality(CAST(:places AS text[]))] END,
           CASE WHEN g.j % 10 IN (7, 8) THEN DATE '2020-01-03' + (g.j % 2500) END,
           TIMESTAMPTZ '2020-01-01 08:00+07' + make_interval(days => g.j % 2500),
           TIMESTAMPTZ '2020-01-01 08:00+07' + make_interval(days => g.j % 2500)
    FROM (SELECT i, (i / :agencies)::int AS j FROM generate_series(0::bigint, :documents - 1) AS s(i)) AS g
    JOIN bench_org o ON o.k = g.i % :agencies
    JOIN (SELECT (row_number() OVER (ORDER BY code) - 1)::int AS k, code, name, abbreviation
          FROM document_type WHERE code = ANY(CAST(:type_codes AS text[]))) t ON t.k = g.j % cardinality(CAST(:type_codes AS text[]))
    """,
    """
    INSERT INTO search_entry (document_id, org_id, doc_date, code, tsv, updated_at)
    SELECT d.id, d.org_id, coalesce(d.document_date, d.created_at::date),
           coalesce(docs_fold(d.number_text || '/' || d.notation), ''),
           to_tsvector('simple', docs_fold(regexp_replace(
               concat_ws(' ', d.number_text, d.notation, d.type_name, d.subject, d.summary, d.sender_name),
               '[^[:alnum:]]+', ' ', 'g'))),
           now()
    FROM document d JOIN bench_org o ON o.id = d.org_id
    """,
    "CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (org_id, tsv)",
    "CREATE INDEX ix_search_entry_code_trgm ON search_entry USING gin (org_id, code gin_trgm_ops)",
    "ANALYZE",
]


async def build_corpus(running: ServiceUnderTest, documents: int) -> tuple[float, UUID]:
    engine = make_engine(url=running.database_url, pool_size=1)
    started = time.perf_counter()
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SET maintenance_work_mem = '256MB'")
            await conn.exec_driver_sql("SET statement_timeout = 0")
            params = {
                "agencies": AGENCIES,
                "documents": documents,
                "topics": TOPICS,
                "places": PLACES,
                "urgencies": URGENCIES,
                "type_codes": [code for code, _, _ in TYPES],
            }
            for sql in CORPUS_SQL:
                await conn.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
                await conn.commit()
            org_id = (await conn.execute(text("SELECT id FROM bench_org WHERE k = 7"))).scalar_one()
    finally:
        await engine.dispose()
    return time.perf_counter() - started, org_id


async def search_latency(running: ServiceUnderTest, org_id: UUID, runs: int) -> list[dict[str, Any]]:
    leader = running.client_for(org_id, ["leader"])
    figures = []
    for label, params in QUERIES:
        total = ok(await leader.get("/api/v1/search", params=params))["total"]  # and warm the cache
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            ok(await leader.get("/api/v1/search", params=params))
            samples.append((time.perf_counter() - started) * 1000)
        figures.append(
            {
                "query": label,
                "params": params,
                "total": total,
                "ms_p50": round(percentile(samples, 0.5), 1),
                "ms_p95": round(percentile(samples, 0.95), 1),
            }
        )
    return figures


async def bench(documents: int, pipelines: int, corpus: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        async with service_under_test(
            lambda url, bus, verifier: create_app(
                Settings(
                    database_url=SecretStr(url),
                    env="test",
                    blob_dir=Path(folder) / "blobs",
                    signing_dir=Path(folder) / "signing",
                ),
                bus=bus,
                verifier=verifier,
            ),
            migrations=MIGRATIONS,
            dialect="postgres",
            name="bench_docs",
            folder=Path(folder),
            redeliver=False,
        ) as running:
            issued = await issue_throughput(running, documents, pipelines)
            build_s, org_id = await build_corpus(running, corpus)
            searches = await search_latency(running, org_id, runs)
    return {
        "issue": issued,
        "corpus": corpus,
        "agencies": AGENCIES,
        "corpus_build_s": round(build_s, 1),
        "search": searches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="tests.benchmarks.docs")
    parser.add_argument("--documents", type=int, default=40, help="documents taken through issue")
    parser.add_argument("--pipelines", type=int, default=4, help="documents in flight at once")
    parser.add_argument("--corpus", type=int, default=1_000_000, help="documents generated for search")
    parser.add_argument("--runs", type=int, default=30, help="requests per search figure")
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # fpdf2's font subsetting chatter
    started = time.perf_counter()
    r = asyncio.run(bench(args.documents, args.pipelines, args.corpus, args.runs))
    i = r["issue"]
    out = [
        "docs benchmark: docs-service on PostgreSQL, in-process bus",
        f"  issue: {i['issued']} documents, {i['pipelines']} at once, each with a {i['pdf_kb']} KB main PDF "
        f"(create → attach → submit → approve → sign → seal → issue): {i['documents_per_s']} documents/s; "
        f"per document p50 {i['document_s_p50']} s, p95 {i['document_s_p95']} s",
        f"  search corpus: {r['corpus']:,} documents over {r['agencies']} agencies, generated and indexed in "
        f"{r['corpus_build_s']} s; searching as a leader of one agency:",
    ]
    for s in r["search"]:
        out.append(
            f"    {s['query']:<30} {s['total']:>6} hits  p50 {s['ms_p50']:>7} ms  p95 {s['ms_p95']:>7} ms"
        )
    all_p50 = statistics.median(s["ms_p50"] for s in r["search"])
    out.append(f"  median of the p50s: {all_p50:.1f} ms; whole run {time.perf_counter() - started:.0f} s")
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
