"""Eval reports: a rich table in the terminal and one self-contained HTML page with plots."""

from agentcore.evals.report._html import write_html
from agentcore.evals.report._terminal import render_table

__all__ = ["render_table", "write_html"]
