"""An explanation as JSON (stable keys), Markdown, a self-contained HTML report, or a rich tree.

Every format shows the same lines (built in `lines`), so they never disagree. The output depends
only on the explanation: no timestamps, nothing unordered.
"""

from .html import render_html
from .json import render_json, to_json
from .lines import SECTIONS, Report
from .markdown import render_markdown
from .text import to_rich

__all__ = ["Report", "SECTIONS", "render_json", "to_json", "render_markdown", "render_html", "to_rich"]
