"""The directory as a CSV file, for officials who keep it in a spreadsheet.

One header row, then one agency per row; columns in any order (``COLUMNS``; ``code``, ``name``
and ``tier`` are required). Parents are named by their QCVN 102 code and may come later in the
file. The file is UTF-8, with or without a byte-order mark; the delimiter is a comma, or a
semicolon or tab if the header uses one. ``tier`` is ``central``, ``province``, ``district`` or
``commune`` (``trung ương``, ``tỉnh``, ``huyện``, ``xã`` also read); ``active`` and ``external``
are ``true``/``false`` (``1``/``0``, ``yes``/``no``, ``có``/``không`` also read; blank: active, not
external). Row numbers count the header as row 1, as a spreadsheet shows them.

Export writes UTF-8 with a byte-order mark, so Excel shows Vietnamese correctly, in the same
columns, parents before their children. A cell that a spreadsheet would run as a formula (one
starting with ``=``, ``+``, ``-``, ``@``) is written with a leading apostrophe, which import
removes again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from kit_contracts import Tier

from .schemas import (
    Name,
    OptionalAddress,
    OptionalEmail,
    OptionalPhone,
    OptionalQcvnCode,
    OptionalQd20Code,
    OptionalShortName,
    OptionalWebsite,
    QcvnCode,
    RowError,
    fold,
)

COLUMNS: Final = (
    "code",
    "qd20_code",
    "name",
    "short_name",
    "tier",
    "parent_code",
    "address",
    "phone",
    "email",
    "website",
    "active",
    "external",
)
REQUIRED: Final = ("code", "name", "tier")
BOM: Final = "\ufeff"
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_TIERS: Final = {
    "central": Tier.CENTRAL,
    "trung uong": Tier.CENTRAL,
    "province": Tier.PROVINCE,
    "tinh": Tier.PROVINCE,
    "district": Tier.DISTRICT,
    "huyen": Tier.DISTRICT,
    "commune": Tier.COMMUNE,
    "xa": Tier.COMMUNE,
}
_TRUE: Final = frozenset({"true", "1", "yes", "y", "x", "co"})
_FALSE: Final = frozenset({"false", "0", "no", "n", "khong"})


def _tier(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            return None
        tier = _TIERS.get(fold(value))
        if tier is None:
            raise ValueError(
                f"{value!r} is not a tier: use central, province, district or commune "
                "(or trung ương, tỉnh, huyện, xã)"
            )
        return tier
    return value


def _flag(default: bool) -> Any:
    def parse(value: Any) -> Any:
        if value is None:
            return default
        if isinstance(value, str):
            folded = fold(value)
            if not folded:
                return default
            if folded in _TRUE:
                return True
            if folded in _FALSE:
                return False
            raise ValueError(f"{value!r} is not a yes/no value: use true or false")
        return value

    return parse


class OrgRow(BaseModel):
    """One agency as a CSV row: the same rules as the JSON API, parents by code."""

    model_config = ConfigDict(extra="forbid")

    code: QcvnCode
    qd20_code: OptionalQd20Code = None
    name: Name
    short_name: OptionalShortName = None
    tier: Annotated[Tier, BeforeValidator(_tier)]
    parent_code: OptionalQcvnCode = None
    address: OptionalAddress = None
    phone: OptionalPhone = None
    email: OptionalEmail = None
    website: OptionalWebsite = None
    active: Annotated[bool, BeforeValidator(_flag(True))] = True
    external: Annotated[bool, BeforeValidator(_flag(False))] = False


@dataclass(frozen=True)
class ParsedRow:
    number: int
    row: OrgRow


def _unescape(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and cell[1] in _FORMULA_START:
        return cell[1:]
    return cell


def _escape(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _message(error: Any) -> str:
    if error.get("type") == "missing" or error.get("input") in (None, ""):
        return "is required"
    return str(error.get("msg", "")).removeprefix("Value error, ")


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with a hint."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"the file is not UTF-8 text (first bad byte on line {line}); in Excel save it as "
            "'CSV UTF-8 (Comma delimited)'"
        ) from None


def parse(text: str) -> tuple[list[ParsedRow], list[RowError]]:
    """Every valid row, and one error per bad cell or row; the caller decides what to do with both."""
    text = text.removeprefix(BOM)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    errors: list[RowError] = []
    rows: list[ParsedRow] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(row=1, column=None, message="the file is empty: expected a header row")]
    columns = [fold(h) for h in header]
    for index, column in enumerate(columns):
        if column not in COLUMNS:
            errors.append(
                RowError(
                    row=1,
                    column=header[index],
                    message=f"unknown column {header[index]!r}; the columns are: {', '.join(COLUMNS)}",
                )
            )
        elif columns.index(column) != index:
            errors.append(RowError(row=1, column=column, message="this column appears twice"))
    for column in REQUIRED:
        if column not in columns:
            errors.append(
                RowError(row=1, column=column, message="required column is missing from the header")
            )
    if errors:
        return [], errors
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets leave empty rows at the end
            if len(cells) > len(columns):
                errors.append(
                    RowError(
                        row=number,
                        column=None,
                        message=f"the row has {len(cells)} cells but the header has {len(columns)} columns",
                    )
                )
                continue
            values = {col: _unescape(cell) for col, cell in zip(columns, cells, strict=False)}
            try:
                rows.append(ParsedRow(number, OrgRow.model_validate(values)))
            except ValidationError as exc:
                for error in exc.errors():
                    where = error.get("loc", ())
                    errors.append(
                        RowError(row=number, column=str(where[0]) if where else None, message=_message(error))
                    )
    except csv.Error as exc:
        errors.append(RowError(row=number + 1, column=None, message=f"the CSV cannot be read here: {exc}"))
    if not rows and not errors:
        errors.append(RowError(row=2, column=None, message="the file has a header but no agencies"))
    return rows, errors


def render(rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_escape(cell) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")
