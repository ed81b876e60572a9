"""An explanation as JSON (stable keys), Markdown, HTML (a self-contained report, or the fragment
the analyst page shows), or a rich tree.

Every format reads the same view (`view`: what comes first, how stages are named, which rules
are shown) built of the same lines (`lines`), so they never disagree. The output depends only on
the explanation and its context: no timestamps, nothing unordered.
"""

from .html import render_fragment, render_html, report_css
from .json import render_json, to_json
from .lines import SECTIONS, Report
from .markdown import render_markdown
from .text import to_rich
from .view import Context, View, build_view, context_for, policy_digest

__all__ = ["Report", "SECTIONS", "Context", "context_for", "policy_digest", "View", "build_view", "render_json",
           "to_json", "render_markdown", "render_html", "render_fragment", "report_css", "to_rich"]  # fmt: skip
