"""Against the real Tavily API: run with TAVILY_API_KEY set (``pytest -m live plugins/search``)."""

from __future__ import annotations

import os
import re

import pytest
from agentcore_search import web_search
from search_testkit import Call

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("TAVILY_API_KEY"), reason="TAVILY_API_KEY is not set"),
]


async def test_a_real_search_returns_numbered_results_with_urls(call: Call) -> None:
    text = await call(web_search, query="Python programming language official site", max_results=3)

    assert text.startswith('Web results for "Python programming language official site"')
    assert re.search(r"^\[1\] .+\n    URL: https?://", text, re.MULTILINE)
    assert os.environ["TAVILY_API_KEY"] not in text


async def test_a_real_news_search_carries_dates(call: Call) -> None:
    text = await call(web_search, query="technology", topic="news", time_range="week")

    assert "published " in text or text.startswith("no web results")
