"""Read a project spreadsheet (CSV or XLSX) into rows of text, and write the blank template in both formats."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from adam.messages import N_, Message
from adam.bulk.columns import COLUMN_NAMES, COLUMNS

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong format, no header, unknown columns, too large)."""


@dataclass
class SheetRow:
    line: int  # the row number the user sees in the spreadsheet (header is line 1)
    values: dict[str, str]
    extra: list[str] = field(default_factory=list)  # values to the right of the last column the header names


def _header(cells: list) -> list[str]:
    return [str(c or "").strip().lower().replace(" ", "_").replace("-", "_") for c in cells]


def _check_header(header: list[str]) -> None:
    if "title" not in header:
        raise SpreadsheetError(N_("The first row must name the columns (download the template); no 'title' column found."))
    unknown = [h for h in header if h and h not in COLUMN_NAMES]
    if unknown:
        raise SpreadsheetError(Message("Unknown column(s): %(unknown)s. The columns are: %(columns)s.", unknown=", ".join(unknown),
                                       columns=", ".join(COLUMN_NAMES)))
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise SpreadsheetError(Message("Column(s) named twice: %(columns)s.", columns=", ".join(duplicated)))


def _rows(header: list[str], records, keep_extra: bool = False) -> list[SheetRow]:  # noqa: ANN001
    rows = []
    for line, record in records:
        values = {name: ("" if value is None else _text(value)) for name, value in zip(header, record) if name}
        # An unquoted comma in a CSV cell pushes the rest of the row past the header: kept, for the import to refuse
        # the row rather than drop its end. (A workbook's cells never shift; notes right of the columns are ignored.)
        beyond = record[len(header):] if keep_extra else []
        extra = [text for text in (_text(v) for v in beyond if v is not None) if text]
        if not any(values.values()) and not extra:
            continue  # blank lines between blocks are common in hand-made sheets
        if len(rows) >= MAX_ROWS:
            raise SpreadsheetError(Message("At most %(count)s projects per file; split the file.", count=MAX_ROWS))
        rows.append(SheetRow(line, values, extra))
    return rows


def _text(value: object) -> str:
    # Excel gives dates as datetimes and whole numbers as floats; keep what the user meant.
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_csv(data: bytes) -> list[SheetRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(N_("The CSV file is not UTF-8 text; save it as 'CSV UTF-8'.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = _header(next(reader))
    except StopIteration:
        raise SpreadsheetError(N_("The file is empty.")) from None
    _check_header(header)
    return _rows(header, ((n, record) for n, record in enumerate(reader, start=2)), keep_extra=True)


def read_xlsx(data: bytes) -> list[SheetRow]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (openpyxl raises many kinds for a file that is not a workbook)
        raise SpreadsheetError(Message("Not a readable XLSX workbook (%(error)s).", error=exc.__class__.__name__)) from None
    try:
        sheet = workbook["Projects"] if "Projects" in workbook.sheetnames else workbook.worksheets[0]
        records = sheet.iter_rows(values_only=True)
        try:
            header = _header(list(next(records)))
        except StopIteration:
            raise SpreadsheetError(N_("The first sheet is empty.")) from None
        _check_header(header)
        return _rows(header, ((n, record) for n, record in enumerate(records, start=2)))
    finally:
        workbook.close()


def read_spreadsheet(filename: str, data: bytes) -> list[SheetRow]:
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(Message("The file is larger than %(size)s MB.", size=MAX_BYTES // (1024 * 1024)))
    name = filename.lower()
    if name.endswith(".csv"):
        return read_csv(data)
    if name.endswith(".xlsx"):
        return read_xlsx(data)
    raise SpreadsheetError(N_("Upload a .csv or .xlsx file (see the template)."))


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMN_NAMES)
    writer.writerow([c.example for c in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def template_xlsx(reference: dict[str, list[str]] | None = None) -> bytes:
    """The template workbook: a Projects sheet with one example row, a Columns sheet that documents each
    column, and (when given) a Reference sheet listing allowed values."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Projects"
    sheet.append(COLUMN_NAMES)
    sheet.append([c.example for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    docs = workbook.create_sheet("Columns")
    docs.append(["column", "required", "what to write", "example"])
    for cell in docs[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        docs.append([column.name, "yes" if column.required else "no", column.description, column.example])
    if reference:
        ref = workbook.create_sheet("Reference")
        for index, (title, values) in enumerate(reference.items(), start=1):
            ref.cell(row=1, column=index, value=title).font = Font(bold=True)
            for row, value in enumerate(values, start=2):
                ref.cell(row=row, column=index, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
