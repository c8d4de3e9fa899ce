"""A receipt as text (the chat, in the person's language) and as a PDF (fpdf2's core fonts with
Windows-1252, as the company report: € and accented letters without a font file)."""

from __future__ import annotations

from concierge.i18n import format_day, t
from concierge.welfare.money import show
from concierge.welfare.receipts import ReceiptView


def receipt_lines(view: ReceiptView, language: str) -> list[str]:
    """The receipt's lines: number, beneficiary, provider, service, amounts, date, who paid."""

    def say(key: str, **params: object) -> str:
        return t(language, f"receipt.{key}", **params)

    paid_by = t(language, f"receipt.payer.{view.payer}")
    if view.method in ("cash", "card", "transfer"):
        paid_by += f" ({t(language, f'receipt.method.{view.method}')})"
    return [
        say("number", number=view.number),
        say("beneficiary", name=view.beneficiary, fiscal_code=view.fiscal_code or "-"),
        say("provider", name=view.provider, vat_number=view.vat_number or "-"),
        say("service", service=view.service),
        say(
            "amount",
            gross=show(view.gross_cents, language),
            vat=show(view.vat_cents, language),
            net=show(view.gross_cents - view.vat_cents, language),
        ),
        say("paid_on", day=format_day(view.paid_on, language)),
        say("paid_by", payer=paid_by),
    ]


def receipt_text(view: ReceiptView, language: str) -> str:
    """The receipt as a chat message."""
    return "\n".join([t(language, "receipt.title"), *receipt_lines(view, language)])


def receipt_pdf(view: ReceiptView, language: str) -> bytes:
    """The receipt as a one-page PDF."""
    # fpdf2 and its fontTools cost a serving process ~30 MB: imported when a PDF is drawn.
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format=(148, 210))  # A5, in millimetres
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(f"{t(language, 'receipt.title')} {view.number}")
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=14)
    pdf.multi_cell(0, 8, t(language, "receipt.title"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("helvetica", size=10)
    for line in receipt_lines(view, language):
        pdf.multi_cell(0, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
