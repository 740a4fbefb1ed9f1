"""Web search for agents: ``web_search``, with Tavily or offline over local knowledge.

With ``TAVILY_API_KEY`` set, ``web_search`` asks `Tavily <https://tavily.com>`_ (through
tavily-python) and returns numbered results with URLs, snippets, scores and, for news,
publication dates. Rate limits (429), server errors and timeouts are retried with backoff,
honouring ``Retry-After``; a rejected key, an exhausted plan or a bad query ends the search at
once with a message the model can act on. The key never appears in a message, log or result.

Without a key it searches what is on this machine instead, every RAG collection and the
long-term memory, and its reply starts by saying so: the results are not from the web.

Settings, in ``agentcore.toml``::

    [plugins.search]
    backend = "auto"          # "tavily": web only; "local": never leave the machine
    search_depth = "basic"    # or "advanced" (2 credits), "fast", "ultra-fast"
    max_results_cap = 10      # the largest max_results a call may ask for (Tavily: 20)
    max_snippet_chars = 800   # longer snippets are cut
    timeout_s = 30            # per request to Tavily (at most 120)
    max_attempts = 3          # 429, 5xx, timeouts and connection errors are retried
    max_retry_wait_s = 20     # a longer Retry-After ends the search with a message
    api_base_url = "https://api.tavily.com"

tavily-python (which imports requests and tiktoken), LanceDB and the embedder are imported
only when a search runs.
"""

from agentcore_search._options import SearchOptions, options
from agentcore_search._results import SearchHit
from agentcore_search._tool import web_search

__all__ = ["SearchHit", "SearchOptions", "options", "web_search"]
