"""A company's monthly report as files: a CSV for spreadsheets (stable codes, amounts in euros
with a decimal point) and a PDF a person reads, in their language.

The PDF is drawn with fpdf2: pure Python, maintained, no system libraries, and its core fonts
with the Windows-1252 encoding print € and accented letters without shipping a font file.
"""

from __future__ import annotations

import csv
import io

from babel.dates import format_date
from babel.numbers import format_decimal

from concierge.i18n import t
from concierge.welfare.money import euros, show
from concierge.welfare.report import CompanyReport

CSV_COLUMNS = ("section", "item", "services", "euros", "limit_euros", "note")
# The note of a worker whose fiscal code the company's list of workers lacks.
CODE_MISSING = "fiscal_code_missing"


class _Rows:
    """A CSV writer whose rows always have every column (a short row is padded)."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, cells: list[object]) -> None:
        self._writer.writerow([*cells, *[""] * (len(CSV_COLUMNS) - len(cells))])


def report_csv(report: CompanyReport) -> str:
    """The report as CSV: one row per figure, sections named by stable codes."""
    out = io.StringIO()
    writer = _Rows(out)
    writer.writerow(list(CSV_COLUMNS))
    writer.writerow(["company", report.company, "", "", ""])
    writer.writerow(["month", report.month.strftime("%Y-%m"), "", "", ""])
    writer.writerow(["workers_enrolled", "", report.workers_enrolled, "", ""])
    writer.writerow(["workers_served", "", report.workers_served, "", ""])
    for name, usage in sorted(report.by_service.items()):
        writer.writerow(["service", name, usage.services, euros(usage.gross_cents), ""])
    for purpose, usage in sorted(report.by_purpose.items()):
        writer.writerow(["purpose", purpose.value, usage.services, euros(usage.gross_cents), ""])
    writer.writerow(["credit_spent", "", "", euros(report.credit_spent_cents), ""])
    writer.writerow(["credit_left", "", "", euros(report.credit_left_cents), ""])
    writer.writerow(["fund_contributions", "", "", euros(report.fund_cents), ""])
    mean = "" if report.rating_mean is None else f"{report.rating_mean:.2f}"
    writer.writerow(["satisfaction", mean, report.ratings, "", ""])
    for worker in report.fringe:
        item = f"{worker.name} {worker.fiscal_code}".strip()
        note = "" if worker.fiscal_code else CODE_MISSING
        row = ["fringe", item, "", euros(worker.used_cents), euros(worker.limit_cents), note]
        writer.writerow(row)
    return out.getvalue()


def _lines(report: CompanyReport, language: str) -> list[tuple[str, str]]:
    """The report as (text, style) lines: 'h' headings, '' plain."""

    def say(key: str, **params: object) -> str:
        return t(language, f"welfare.report.{key}", **params)

    lines = [
        (say("enrolled", count=report.workers_enrolled), ""),
        (say("served", count=report.workers_served), ""),
        (say("by_service"), "h"),
    ]
    for name, usage in sorted(report.by_service.items()):
        lines.append((say("usage", item=name, count=usage.services,
                          amount=show(usage.gross_cents, language)), ""))  # fmt: skip
    if not report.by_service:
        lines.append((say("none"), ""))
    lines.append((say("by_purpose"), "h"))
    for purpose, usage in sorted(report.by_purpose.items()):
        item = t(language, f"welfare.purpose.{purpose.value}")
        lines.append((say("usage", item=item, count=usage.services,
                          amount=show(usage.gross_cents, language)), ""))  # fmt: skip
    lines.append((say("credit"), "h"))
    lines.append((say("credit_spent", amount=show(report.credit_spent_cents, language)), ""))
    lines.append((say("credit_left", amount=show(report.credit_left_cents, language)), ""))
    lines.append((say("fund", amount=show(report.fund_cents, language)), ""))
    lines.append((say("satisfaction"), "h"))
    if report.rating_mean is None:
        lines.append((say("no_ratings"), ""))
    else:
        mean = format_decimal(report.rating_mean, format="0.0#", locale=language)
        lines.append((say("ratings", count=report.ratings, mean=mean), ""))
    lines.append((say("fringe"), "h"))
    for worker in report.fringe:
        used, limit = show(worker.used_cents, language), show(worker.limit_cents, language)
        if worker.fiscal_code:
            line = say("fringe_worker", name=worker.name, fiscal_code=worker.fiscal_code,
                       used=used, limit=limit)  # fmt: skip
        else:
            line = say("fringe_worker_no_code", name=worker.name, used=used, limit=limit)
        lines.append((line, ""))
    return lines


def report_pdf(report: CompanyReport, language: str) -> bytes:
    """The report as a one-document PDF a person reads."""
    # fpdf2 and its fontTools cost a serving process ~30 MB: imported when a PDF is drawn.
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(f"Welfare {report.company} {report.month:%Y-%m}")
    pdf.add_page()
    month = str(format_date(report.month, "MMMM yyyy", locale=language))
    pdf.set_font("helvetica", style="B", size=16)
    title = t(language, "welfare.report.title", company=report.company, month=month)
    pdf.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for text, style in _lines(report, language):
        if style == "h":
            pdf.ln(3)
            pdf.set_font("helvetica", style="B", size=12)
        else:
            pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
