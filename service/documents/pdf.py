"""The award documents as PDF (WeasyPrint): the commendation list and one certificate per award."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.catalogue import _, html_lang

_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATES.globals.update(_=_, html_lang=html_lang)  # the documents' words come from the catalogue


def _page_footer() -> str:
    """The page footer rule (a stylesheet beside the document's, not text in it): the catalogue's words
    around the page counters."""
    words = _("第 {page} 页，共 {pages} 页").replace('"', "").replace("\\", "")
    content = '"' + words.replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "') + '"'
    return "@page { @bottom-center { content: %s; font-size: 9pt; color: #555; } }" % content


@dataclass(frozen=True)
class Award:
    """One awarded item as the documents print it."""

    application_id: int
    unit_name: str
    theme: str
    grade: str
    confirmed_on: date | None


@dataclass(frozen=True)
class Campaign:
    """What the documents say about the campaign and who issues them."""

    name: str
    year: int
    grades: list[str]          # in order, best first
    no_award_grade: str
    issuer: str                # the federation's name
    issued_on: date            # the day the awards were confirmed (the latest confirmation)


def chinese_date(day: date) -> str:
    """2027年1月15日 (the catalogue's date words, as the notifications write a date)."""
    return _("{year}年{month}月{day}日", year=day.year, month=day.month, day=day.day, iso=day.isoformat())


def certificate_number(campaign: Campaign, award: Award) -> str:
    return f"{campaign.year}-{award.application_id:04d}"


def _render(template: str, *, footer: bool = False, **data: Any) -> bytes:
    from weasyprint import CSS, HTML  # a heavy import, needed only here

    html = _TEMPLATES.get_template(template).render(chinese_date=chinese_date, number=certificate_number, **data)
    sheets = [CSS(string=_page_footer())] if footer else []
    return HTML(string=html).write_pdf(stylesheets=sheets, pdf_identifier=False)  # type: ignore[no-any-return]


def commendation_list(campaign: Campaign, awards: list[Award]) -> bytes:
    """表彰名单: the awarded items grouped by grade (the campaign's order), each group by unit and theme."""
    groups = [(grade, [a for a in awards if a.grade == grade]) for grade in campaign.grades
              if grade != campaign.no_award_grade]
    others = [a for a in awards if a.grade not in campaign.grades]  # a grade the campaign no longer lists
    if others:
        groups += [(grade, [a for a in others if a.grade == grade]) for grade in dict.fromkeys(a.grade for a in others)]
    return _render("commendation_list.html", footer=True, campaign=campaign,
                   groups=[(g, items) for g, items in groups if items], count=len(awards))


def certificates(campaign: Campaign, awards: list[Award]) -> bytes:
    """荣誉证书: one landscape page per award."""
    return _render("certificates.html", campaign=campaign, awards=awards)
