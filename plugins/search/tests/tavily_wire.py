"""A loopback Tavily: canned replies in Tavily's wire format, and every request it received.

tavily-python's ``AsyncTavilyClient`` (the real SDK, unpatched) is pointed at it through
``[plugins.search] api_base_url``; nothing else reaches the test.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One canned HTTP response; ``raw`` is sent as is instead of ``json_body``."""

    status: int = 200
    json_body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # answer nothing until the test ends (a timeout)


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: Any


class FakeTavily:
    """Serves queued replies in order and records every request."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Received] = []
        self.release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, *replies: Reply) -> FakeTavily:
        self.replies.extend(replies)
        return self

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                fake.requests.append(
                    Received(
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=json.loads(raw) if raw else None,
                    )
                )
                reply = fake.replies.popleft() if fake.replies else Reply(status=599)
                if reply.hang:
                    fake.release.wait(30)
                    return
                payload = reply.raw if reply.raw is not None else json.dumps(reply.json_body)
                data = payload.encode() if isinstance(payload, str) else payload
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", reply.content_type)
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


# --- bodies in Tavily's format (docs.tavily.com, API reference: POST /search) ---------------


def result(
    title: str,
    url: str,
    content: str,
    score: float,
    *,
    published_date: str | None = None,
) -> dict[str, Any]:
    """One item of ``results``; ``published_date`` comes with ``topic="news"``."""
    item: dict[str, Any] = {
        "title": title,
        "url": url,
        "content": content,
        "score": score,
        "raw_content": None,
        "favicon": f"{url.split('/', 3)[0]}//{url.split('/', 3)[2]}/favicon.ico",
    }
    if published_date is not None:
        item["published_date"] = published_date
    return item


def search_body(query: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """A 200 reply of ``POST /search`` without answer, images or raw content."""
    return {
        "query": query,
        "follow_up_questions": None,
        "answer": None,
        "images": [],
        "results": results,
        "response_time": 1.67,
        "request_id": "123e4567-e89b-12d3-a456-426614174111",
    }


def error_body(message: str) -> dict[str, Any]:
    """Tavily's error shape: ``{"detail": {"error": ...}}``."""
    return {"detail": {"error": message}}


LANCEDB_RESULTS = [
    result(
        "Hybrid Search - LanceDB",
        "https://lancedb.github.io/lancedb/hybrid_search/hybrid_search/",
        "LanceDB supports both semantic and keyword-based search (also termed full-text "
        "search, or FTS). Hybrid search combines the results of the two and reranks them, "
        "by default with Reciprocal Rank Fusion.",
        0.91234,
    ),
    result(
        "Reciprocal rank fusion outperforms Condorcet and individual rank learning methods",
        "https://dl.acm.org/doi/10.1145/1571941.1572114",
        "Reciprocal Rank Fusion (RRF), a simple method for combining the document rankings "
        "from multiple IR systems, consistently yields better results than any individual "
        "system.",
        0.80211,
    ),
    result(
        "Full-text search - LanceDB",
        "https://lancedb.github.io/lancedb/fts/",
        "LanceDB provides support for full-text search via Lance, allowing you to "
        "incorporate keyword-based search (based on BM25) in your retrieval solutions.",
        0.6413,
    ),
]
