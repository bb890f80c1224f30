"""Downloads that open cleanly in a spreadsheet: CSV with a UTF-8 BOM (so Excel shows Korean) and XLSX.

Both take a header and an iterable of rows and stream: the CSV is written a few hundred rows at
a time, the XLSX row by row into a temporary file (XlsxWriter's constant_memory mode) that is then
sent in chunks, so a million rows hold little memory. Every cell passes through `neutralise`: a
text starting with = + - @ (or a tab or CR) gets a leading ' and, in XLSX, is stored as text, so
neither format runs it as a formula. Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from flask import Response, current_app, stream_with_context

from participation.core import text

BOM = "\ufeff"
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
ROWS_PER_CHUNK = 500
FILE_CHUNK = 64 * 1024
SHEET_NAME_MAX = 31  # Excel's limit


def neutralise(value):
    """The cell as a spreadsheet should hold it: numbers as they are, None as empty, any other
    value as text with a leading ' when it would start a formula (participation.core.text)."""
    if isinstance(value, bool):
        return text.neutralise(value)
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return text.neutralise(value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return value.isoformat()
    return text.neutralise(value)


def csv_chunks(header: Sequence, rows: Iterable[Sequence]) -> Iterator[bytes]:
    """The CSV as UTF-8 bytes, the BOM first, a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; a CR inside a cell is then quoted too
    buffer.write(BOM)
    writer.writerow([neutralise(cell) for cell in header])
    for number, row in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in row])
        if number % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_text(header: Sequence, rows: Iterable[Sequence]) -> str:
    """The same CSV as one string, without the BOM (for services and tests that read it whole)."""
    return b"".join(csv_chunks(header, rows)).decode("utf-8").removeprefix(BOM)


def xlsx_chunks(header: Sequence, rows: Iterable[Sequence], sheet: str = "Sheet1") -> Iterator[bytes]:
    """The workbook's bytes: rows written one by one to a temporary file, then read back in chunks."""
    import xlsxwriter

    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {
            "constant_memory": True,
            # Never guess: a string stays a string, whatever it looks like.
            "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
        })
        worksheet = workbook.add_worksheet(_sheet_name(sheet))
        bold = workbook.add_format({"bold": True})
        for column, cell in enumerate(header):
            worksheet.write_string(0, column, str(neutralise(cell)), bold)
        for number, row in enumerate(rows, start=1):
            for column, cell in enumerate(row):
                value = neutralise(cell)
                if isinstance(value, (int, float, Decimal)):
                    worksheet.write_number(number, column, value)
                elif value != "":
                    worksheet.write_string(number, column, value)
        workbook.close()
        with open(path, "rb") as stream:
            while chunk := stream.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _sheet_name(name: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(name)).strip("' ") or "Sheet1"
    return cleaned[:SHEET_NAME_MAX]


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback name and the real one in UTF-8 (RFC 5987 / RFC 6266)."""
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def rate_limited(view):
    """Each person (or address) may download EXPORT_LIMIT exports in all, whichever they are: every
    one streams a whole list."""
    from participation.core.web import user_or_address
    from participation.extensions import limiter

    return limiter.shared_limit(lambda: current_app.config["EXPORT_LIMIT"], scope="exports", key_func=user_or_address)(view)


def export_response(kind: str, header: Sequence, rows: Iterable[Sequence], filename: str, sheet: str | None = None) -> Response:
    """A streamed download of the rows as CSV or XLSX (`kind`); `filename` has no extension.

    The rows are read while the response is sent, inside the request's context (stream_with_context),
    but after the view's database session has been closed: rows should be a generator that loads
    what it needs itself, not one that lazy-loads from objects the view loaded."""
    if kind == "xlsx":
        body, mimetype = xlsx_chunks(header, rows, sheet or filename), XLSX_MIMETYPE
    else:
        body, mimetype = csv_chunks(header, rows), CSV_MIMETYPE
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(f"{filename}.{kind}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def requested_format(args) -> str | None:
    """`?format=csv|xlsx` (csv when absent); None for anything else, which the view answers with 404."""
    kind = (args.get("format") or "csv").lower()
    return kind if kind in FORMATS else None
