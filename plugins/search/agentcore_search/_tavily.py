"""Web search with Tavily: the request through tavily-python, retries, and tool errors.

tavily-python's ``AsyncTavilyClient`` makes the request on an ``httpx.AsyncClient`` that we
own, with a response hook: tavily-python turns a 429 into an exception without the response,
and the hook keeps the status and headers (``Retry-After``) of the last response. Failures
are classified by that status, not by the SDK's exception classes, which differ between
versions.

Importing this module imports httpx, tenacity and tavily (and through it requests and
tiktoken): the tool imports it only when a search goes to Tavily.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import httpx
from tavily import AsyncTavilyClient  # type: ignore[import-untyped]
from tavily.errors import TimeoutError as TavilyTimeoutError  # type: ignore[import-untyped]
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from agentcore.log import redact
from agentcore.models._retry import backoff_s, retry_after_s
from agentcore.tools import ToolError
from agentcore_search._options import KEY_ENV, SearchOptions
from agentcore_search._results import SearchHit, clip

__all__ = ["SLEEP", "WebQuery", "search_tavily"]

log = logging.getLogger("agentcore.search")

Sleep = Callable[[float], Awaitable[None]]
#: How retries wait; tests replace it to record the waits instead of sleeping.
SLEEP: Sleep = asyncio.sleep


@dataclass(frozen=True, kw_only=True, slots=True)
class WebQuery:
    """One web search, with the options the model chose."""

    query: str
    max_results: int
    topic: str = "general"
    time_range: str | None = None
    include_domains: tuple[str, ...] = ()
    exclude_domains: tuple[str, ...] = ()


class _Kind(Enum):
    RATE_LIMITED = "rate limited"
    SERVER = "server error"
    TIMEOUT = "timeout"
    CONNECTION = "connection error"
    BAD_KEY = "bad key"
    FORBIDDEN = "forbidden"
    QUOTA = "quota"
    BAD_QUERY = "bad query"
    MALFORMED = "malformed response"
    HTTP = "http error"


_RETRYABLE = frozenset({_Kind.RATE_LIMITED, _Kind.SERVER, _Kind.TIMEOUT, _Kind.CONNECTION})


class _Failure(Exception):
    """One failed attempt. ``response`` carries the headers ``retry_after_s`` reads."""

    def __init__(self, kind: _Kind, what: str, *, response: httpx.Response | None = None) -> None:
        self.kind = kind
        self.what = what
        self.response = response
        super().__init__(what)

    @property
    def retryable(self) -> bool:
        return self.kind in _RETRYABLE


class _LastResponse:
    """Keeps the status and headers of the last response the client received."""

    def __init__(self) -> None:
        self.response: httpx.Response | None = None

    async def hook(self, response: httpx.Response) -> None:
        self.response = response


async def search_tavily(
    query: WebQuery, opts: SearchOptions, api_key: str, *, sleep: Sleep | None = None
) -> list[SearchHit]:
    """Search the web with Tavily; transient failures are retried.

    Args:
        query: What to search for.
        opts: The plugin's settings (depth, timeouts, retries, API root).
        api_key: The Tavily key; it goes only into the request's ``Authorization`` header.
        sleep: How to wait between attempts (default :data:`SLEEP`).

    Returns:
        The results in Tavily's order, at most ``query.max_results``.

    Raises:
        ToolError: A rejected key, a refused or bad request, a response that is not Tavily's,
            or a transient failure that outlasted the retries. The message never contains
            the key.
    """
    last = _LastResponse()
    attempts = 0
    retrying = AsyncRetrying(
        stop=stop_after_attempt(opts.max_attempts),
        wait=lambda state: _wait(state, opts),
        retry=retry_if_exception(lambda exc: _should_retry(exc, opts)),
        before_sleep=lambda state: _log_retry(state, opts),
        sleep=sleep or SLEEP,
        reraise=True,
    )
    async with _http_client(opts, last) as http:
        client = AsyncTavilyClient(api_key=api_key, api_base_url=opts.api_base_url, client=http)
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    body = await _once(client, query, opts, last)
        except _Failure as failure:
            raise ToolError(_explain(failure, attempts, opts)) from None
    return _hits(body, query, opts)


def _http_client(opts: SearchOptions, last: _LastResponse) -> httpx.AsyncClient:
    # tavily-python builds its own client with these proxy variables; ours must honour them too.
    proxies = {
        scheme: httpx.AsyncHTTPTransport(proxy=url)
        for scheme, url in (
            ("http://", os.environ.get("TAVILY_HTTP_PROXY")),
            ("https://", os.environ.get("TAVILY_HTTPS_PROXY")),
        )
        if url
    }
    return httpx.AsyncClient(
        base_url=opts.api_base_url,
        timeout=opts.timeout_s,
        mounts=proxies or None,
        event_hooks={"response": [last.hook]},
    )


async def _once(
    client: Any, query: WebQuery, opts: SearchOptions, last: _LastResponse
) -> dict[str, Any]:
    last.response = None
    try:
        body = await client.search(
            query.query,
            search_depth=opts.search_depth,
            topic=query.topic,
            time_range=query.time_range,
            max_results=query.max_results,
            include_domains=list(query.include_domains) or None,
            exclude_domains=list(query.exclude_domains) or None,
            timeout=opts.timeout_s,
        )
    except (TavilyTimeoutError, httpx.TimeoutException, TimeoutError) as exc:
        raise _Failure(_Kind.TIMEOUT, f"no answer within {opts.timeout_s:g} s") from exc
    except httpx.TransportError as exc:
        raise _Failure(_Kind.CONNECTION, f"could not reach {opts.api_base_url} ({exc})") from exc
    except Exception as exc:
        raise _classify(exc, last.response) from exc
    if not isinstance(body, dict):  # only a newer SDK that parses less would let this through
        raise _Failure(_Kind.MALFORMED, "HTTP 200 with JSON that is not an object")
    return body


def _classify(exc: Exception, response: httpx.Response | None) -> _Failure:
    if response is None:
        return _Failure(_Kind.HTTP, f"{type(exc).__name__}: {exc}")
    status = response.status_code
    if status == 200:
        ctype = response.headers.get("content-type", "no content type")
        what = f"HTTP 200 with {ctype} that is not Tavily's JSON"
        return _Failure(_Kind.MALFORMED, what, response=response)
    # tavily-python's own exceptions carry the body's detail; httpx's carry a long message
    # with the URL and a link, of which the reason phrase is what matters.
    detail = response.reason_phrase if isinstance(exc, httpx.HTTPStatusError) else str(exc)
    detail = clip(detail, 300)
    what = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status == 429:
        kind = _Kind.RATE_LIMITED
    elif status == 401:
        kind = _Kind.BAD_KEY
    elif status in (432, 433):
        kind = _Kind.QUOTA
    elif status == 403:
        kind = _Kind.FORBIDDEN
    elif status in (400, 422):
        kind = _Kind.BAD_QUERY
    elif status >= 500 or status == 408:
        kind = _Kind.SERVER
    else:
        kind = _Kind.HTTP
    return _Failure(kind, what, response=response)


def _should_retry(exc: BaseException, opts: SearchOptions) -> bool:
    if not isinstance(exc, _Failure) or not exc.retryable:
        return False
    hinted = retry_after_s(exc)
    return hinted is None or hinted <= opts.max_retry_wait_s


def _wait(state: RetryCallState, opts: SearchOptions) -> float:
    exc = state.outcome.exception() if state.outcome is not None else None
    hinted = retry_after_s(exc) if exc is not None else None
    if hinted is not None:
        return hinted  # at most max_retry_wait_s: _should_retry stops otherwise
    return backoff_s(state.attempt_number, max_wait_s=opts.max_retry_wait_s)


def _log_retry(state: RetryCallState, opts: SearchOptions) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    log.warning(
        "web_search: Tavily failed (%s) on attempt %d of %d; retrying in %.1f s",
        redact(str(exc)),
        state.attempt_number,
        opts.max_attempts,
        wait,
    )


def _explain(failure: _Failure, attempts: int, opts: SearchOptions) -> str:
    what = failure.what
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if failure.kind is _Kind.BAD_KEY:
        message = (
            f"web search is unavailable: Tavily rejected the API key in {KEY_ENV} ({what}). "
            f"The user must set a valid key (https://app.tavily.com) or unset {KEY_ENV} to "
            "search local documents and memory instead. Continue without web search."
        )
    elif failure.kind is _Kind.FORBIDDEN:
        message = (
            f"web search is unavailable: Tavily refused the request ({what}); the key in "
            f"{KEY_ENV} is not allowed to search. Continue without web search."
        )
    elif failure.kind is _Kind.QUOTA:
        message = (
            f"web search is unavailable: the Tavily account behind {KEY_ENV} has used up its "
            f"plan's credits or spending limit ({what}). Continue without web search."
        )
    elif failure.kind is _Kind.BAD_QUERY:
        message = (
            f"Tavily rejected the search ({what}). Check the arguments: a short query (under "
            "400 characters), valid domains such as 'arxiv.org', and leave out filters you "
            "do not need."
        )
    elif failure.kind is _Kind.MALFORMED:
        message = (
            f"web search failed: Tavily's reply could not be read ({what}); a proxy or "
            f"gateway may be in the way of {opts.api_base_url}. Try again later or continue "
            "without web search."
        )
    elif failure.kind is _Kind.RATE_LIMITED and not _should_retry(failure, opts):
        hinted = retry_after_s(failure) or 0.0
        message = (
            f"web search is rate limited: Tavily asks to wait {hinted:.0f} s before the next "
            f"search ({what}). Try again later or continue without web search."
        )
    elif failure.retryable:
        message = (
            f"web search failed after {tries}: Tavily {failure.kind.value} ({what}). Try "
            "again later or continue without web search."
        )
    elif failure.response is None:
        message = f"web search failed: {what}. Continue without web search."
    else:
        message = f"web search failed: Tavily answered {what}. Continue without web search."
    return str(redact(message))


def _hits(body: dict[str, Any], query: WebQuery, opts: SearchOptions) -> list[SearchHit]:
    results = body.get("results", [])
    if not isinstance(results, list):
        raise ToolError(
            "web search failed: Tavily's reply has no list of results "
            f"(got {json.dumps(results)[:80]}). Try again later."
        )
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for item in results:
        if not isinstance(item, dict):
            continue
        url = item.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        if url in seen:
            continue
        seen.add(url)
        title = item.get("title")
        content = item.get("content")
        score = item.get("score")
        published = item.get("published_date")
        hits.append(
            SearchHit(
                title=clip(title, 200) if isinstance(title, str) and title.strip() else url,
                source=url,
                snippet=clip(content, opts.max_snippet_chars) if isinstance(content, str) else "",
                score=float(score) if isinstance(score, int | float) else None,
                published=published.strip() if isinstance(published, str) else None,
            )
        )
        if len(hits) == query.max_results:
            break
    return hits
