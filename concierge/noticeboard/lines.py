"""A notice as one line a resident reads: its days and its text, in their language."""

from __future__ import annotations

from concierge.i18n import format_day, t
from concierge.noticeboard.notices import Notice


def notice_line(notice: Notice, language: str) -> str:
    """'• sabato 28 novembre: Mercato in piazza…', or the span of days it holds."""
    if notice.valid_from == notice.valid_until:
        days = format_day(notice.valid_from, language)
    else:
        days = t(
            language, "noticeboard.span",
            first=format_day(notice.valid_from, language),
            last=format_day(notice.valid_until, language),
        )  # fmt: skip
    return t(language, "noticeboard.line", days=days, text=notice.text(language))
