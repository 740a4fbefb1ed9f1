"""Finding a scorer by name in the plugin registry and validating its options."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from agentcore._validation import dotted, most_telling
from agentcore.errors import PluginError, SpecError
from agentcore.evals._types import Scorer, ScorerRef

if TYPE_CHECKING:
    from agentcore.plugins import Registry

__all__ = ["get_scorer", "scorer_names"]


# The installed plugins' registry, loaded once: (the loader it came from, the registry). A
# different ``agentcore.plugins.load_registry`` (a test patching in extra plugins) reloads.
_loaded: list[tuple[Callable[[], Registry], Registry]] = []


def _default_registry() -> Registry:
    from agentcore import plugins

    loader: Callable[[], Registry] = plugins.load_registry
    if not _loaded or _loaded[0][0] is not loader:
        _loaded[:] = [(loader, loader())]
    return _loaded[0][1]


def _scorers(registry: Registry | None) -> dict[str, type[Scorer]]:
    reg = registry if registry is not None else _default_registry()
    items: dict[str, type[Scorer]] = reg.items["scorers"]
    return items


def scorer_names(registry: Registry | None = None) -> list[str]:
    """The names of every registered scorer, sorted.

    Args:
        registry: Where scorers are registered; ``None`` loads (once) the installed plugins.

    """
    return sorted(_scorers(registry))


def get_scorer(ref: ScorerRef, *, registry: Registry | None = None, where: str = "") -> Scorer:
    """Build the scorer a suite names, with its options validated.

    Args:
        ref: The scorer's name and options, as the suite gives them.
        registry: Where scorers are registered; ``None`` loads (once) the installed plugins.
        where: Where the suite names it, for error messages (``"suite.yaml:12 case 'q3'
            scorers[1]"``).

    Returns:
        A scorer instance ready to ``score`` samples.

    Raises:
        SpecError: The name is not a registered scorer, or an option is unknown or invalid.
        PluginError: A plugin registered something that is not a ``Scorer`` subclass.

    """
    known = _scorers(registry)
    prefix = f"{where}: " if where else ""
    cls = known.get(ref.name)
    if cls is None:
        close = difflib.get_close_matches(ref.name, sorted(known), n=1)
        suggestion = f"did you mean '{close[0]}'? " if close else ""
        raise SpecError(
            f"{prefix}unknown scorer '{ref.name}'",
            hint=f"{suggestion}registered scorers: {', '.join(sorted(known)) or 'none'}",
        )
    if not (isinstance(cls, type) and issubclass(cls, Scorer)):
        raise PluginError(
            f"scorer '{ref.name}' is registered as {cls!r}, not a subclass of "
            "agentcore.evals.Scorer"
        )
    try:
        return cls.model_validate(ref.options)
    except ValidationError as exc:
        raise _option_error(ref.name, cls, exc, prefix) from None


def _option_error(name: str, cls: type[Scorer], exc: ValidationError, prefix: str) -> SpecError:
    error, count = most_telling(exc)
    option = dotted(tuple(error["loc"]))
    options = sorted(cls.model_fields)
    listed = f"options of {name}: {', '.join(options) or 'none'}"
    message = error["msg"].removeprefix("Value error, ")
    more = f" (and {count - 1} more error{'s' if count > 2 else ''})" if count > 1 else ""
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(option, options, n=1)
        suggestion = f"did you mean '{close[0]}'? " if close else ""
        return SpecError(
            f"{prefix}scorer '{name}': unknown option '{option}'{more}",
            hint=suggestion + listed,
        )
    if not option:
        return SpecError(f"{prefix}scorer '{name}': {message}{more}", hint=listed)
    return SpecError(f"{prefix}scorer '{name}': option '{option}': {message}{more}", hint=listed)
