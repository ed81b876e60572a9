"""An explanation as HTML, through the Jinja2 templates in `templates/` (autoescaped).

`render_html` gives one self-contained file (the stylesheet inlined, no script, no external
asset); `render_fragment` gives the report alone, for the analyst page (`visarules.server`),
which shows it with the same stylesheet (`report_css`). Both read the same view (`view`), so a
report an analyst saves matches the page.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .lines import Report
from .view import build_view

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # case text (names, employers) is the user's: never markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["tojson_pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
    return env


def report_css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def _view(report: Report):
    return build_view(report.explanation, report.sections, report.what_if, report.context)


def render_html(report: Report) -> str:
    """One self-contained HTML file."""
    return _environment().get_template("report.html.j2").render(v=_view(report), css=report_css())


def render_fragment(report: Report) -> str:
    """The report as an HTML fragment (an `<article>`), styled by `report_css()`."""
    return _environment().get_template("result.html.j2").render(v=_view(report))
