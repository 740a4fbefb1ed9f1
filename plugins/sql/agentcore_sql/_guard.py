"""What SQL may do, beyond what DuckDB's own lock-down already refuses, and clear refusals.

DuckDB enforces most of the locks itself (see ``_engine``): file access outside the workspace
and the data dirs, extensions, configuration changes. This module adds the few checks DuckDB
has no setting for, working on DuckDB's own statement splitter and tokenizer (no SQL parser
of ours): ``ATTACH``/``DETACH`` are refused, and ``COPY ... TO`` / ``EXPORT DATABASE`` may only
write inside the workspace, never into a data dir, over a loaded source file or into
``.agentcore/``. It also turns DuckDB's errors into messages that say what was refused and what
to do instead.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from agentcore.tools import ToolError
from agentcore_sql._engine import STATE_DIR, quote_str
from agentcore_sql._files import Roots, close_files, has_glob

DENIED = re.compile(
    r'Cannot access (?:file|directory) "(.*?)" - file system operations are disabled', re.S
)
_LOCKED = re.compile(r'configuration option "+([^"]+?)"+ - the configuration has been locked')
_NO_TABLE = re.compile(r"Table with name (\S+) does not exist")
_NO_FILES = re.compile(r'No files found that match the pattern "(.*?)"')
_MAX_MESSAGE = 1500
_ST = duckdb.StatementType
_ATTACH_HINT = (
    "the SQL tools work in this workspace's own database. To use data from another database "
    "file, export its tables to Parquet or CSV and load those with sql_load."
)
_WRITE_HINT = "write to a path inside the workspace instead, e.g. 'out/result.parquet'"


@dataclass(frozen=True, slots=True)
class Planned:
    """One statement, checked and ready to run.

    Attributes:
        text: The SQL to run (a ``COPY ... TO`` target made absolute).
        kind: What kind of statement it is.
        statement: DuckDB's parsed statement, when it was parsed and ``text`` is its own text
            (DuckDB then runs it without parsing it again).
        writes: The file or folder it writes, if any.
    """

    text: str
    kind: duckdb.StatementType
    statement: duckdb.Statement | None = None
    writes: Path | None = None


def plan(
    cursor: duckdb.DuckDBPyConnection,
    sql: str,
    roots: Roots,
    sources: Callable[[], Mapping[str, str]],
) -> list[Planned]:
    """Check every statement of ``sql`` before any of them runs.

    One query that starts with ``SELECT`` or ``FROM`` can only be a query: it goes to DuckDB
    as it is, which parses it once (the parser is the slowest part of a quick query's checks).
    Anything else is split by DuckDB's parser on the session's connection and each statement
    checked (:func:`prepare`).

    Args:
        cursor: The session's connection.
        sql: What the model sent.
        roots: Where reads and writes may go.
        sources: Loaded source files (path or glob -> table name), asked for only when a
            statement writes files.

    Raises:
        ToolError: A syntax error (DuckDB's message, with the position), no statement, or a
            statement that attaches a database or writes where it may not.
    """
    if _one_query(sql):
        return [Planned(text=sql, kind=_ST.SELECT)]
    try:
        # The connection's parser, not duckdb.extract_statements, which goes through the
        # module's default connection and takes twice as long.
        found = cursor.extract_statements(sql)
    except duckdb.Error as exc:
        raise ToolError(f"SQL syntax error: {clean(str(exc))}") from None
    if not found:
        raise ToolError("sql has no statement; pass a query such as SELECT * FROM t LIMIT 5")
    out = []
    for statement in found:  # all, before any runs
        text, writes = prepare(statement, roots, sources)
        same = statement if text == statement.query else None
        out.append(Planned(text=text, kind=statement.type, statement=same, writes=writes))
    return out


def _one_query(sql: str) -> bool:
    """Whether ``sql`` is a single statement that starts with ``SELECT`` or ``FROM``.

    Read with DuckDB's own tokenizer (the parser's lexer): comments and string literals are
    tokens of their own, so a ``;`` inside them does not count. Only trailing ``;`` may follow
    the statement.
    """
    try:
        tokens = duckdb.tokenize(sql)
    except duckdb.Error:
        return False
    significant = [(start, kind) for start, kind in tokens if kind != duckdb.token_type.comment]
    if not significant:
        return False
    first_start, first_kind = significant[0]
    first = sql[first_start : first_start + 6].upper()
    if first_kind != duckdb.token_type.keyword or not (
        first.startswith("SELECT") or first.startswith("FROM")
    ):
        return False
    ends = [start for start, _ in tokens[1:]] + [len(sql)]
    ended = False
    for (start, kind), end in zip(tokens, ends, strict=True):
        if kind == duckdb.token_type.comment:
            continue
        chunk = sql[start:end].strip()
        if ended and chunk.strip(";"):
            return False  # something follows a ';': several statements
        if kind == duckdb.token_type.operator and ";" in chunk:
            if chunk.rstrip(";").strip():
                return False  # ';' glued to another operator: let the parser decide
            ended = True
    return True


def prepare(
    statement: duckdb.Statement, roots: Roots, sources: Callable[[], Mapping[str, str]]
) -> tuple[str, Path | None]:
    """Check one statement; return the text to run and the file or folder it writes, if any.

    A relative target of ``COPY ... TO`` or ``EXPORT DATABASE`` is made absolute (taken from
    the workspace).

    Args:
        statement: A statement from :func:`statements`.
        roots: Where reads and writes may go.
        sources: Loaded source files (path or glob -> table name), asked for only when the
            statement writes files.

    Raises:
        ToolError: The statement attaches a database or writes where it may not.
    """
    text = statement.query
    kind = statement.type
    if kind == _ST.ATTACH:
        raise ToolError(f"ATTACH is not allowed: {_ATTACH_HINT}")
    if kind == _ST.DETACH:
        raise ToolError(f"DETACH is not allowed: {_ATTACH_HINT}")
    if kind in (_ST.COPY, _ST.EXPORT):
        verb = "COPY ... TO" if kind == _ST.COPY else "EXPORT DATABASE"
        target = _copy_target(text) if kind == _ST.COPY else _first_literal(text)
        if target is None and kind == _ST.COPY:
            return text, None  # COPY ... FROM: a read, which DuckDB confines
        start, end, value = target or (0, 0, None)
        if value is None:
            raise ToolError(f"{verb} needs its target as a plain quoted path, e.g. 'out/x.csv'")
        absolute = _check_write(value, roots, sources(), verb)
        return text[:start] + quote_str(absolute) + text[end:], Path(absolute)
    return text, None


def absolutize(text: str, denied: str, roots: Roots) -> str | None:
    """Rewrite a relative file path DuckDB refused as the absolute path it means.

    Paths in SQL are taken from the workspace (or a data dir that has the file); DuckDB's
    allow-list only admits absolute paths, so ``read_csv('data/x.csv')`` is rewritten to the
    workspace's ``data/x.csv``. Only string literals equal to the refused path change.

    Returns:
        The rewritten statement, or ``None`` when ``denied`` is not a relative path inside
        the workspace or a data dir.
    """
    if not denied or "://" in denied or denied.startswith(("/", "~")):
        return None
    candidates = [Path(os.path.normpath(root / denied)) for root in roots.readable]
    inside = [c for c in candidates if roots.readable_root(c) is not None]
    if not inside:
        return None
    found = [c for c in inside if has_glob(c.as_posix()) or c.exists()]
    absolute = (found or inside)[0].as_posix()
    out, last = [], 0
    for start, end, value in _literals(text):
        if value == denied:
            out += [text[last:start], quote_str(absolute)]
            last = end
    if not out:
        return None
    return "".join(out) + text[last:]


def explain(
    exc: duckdb.Error,
    *,
    kind: duckdb.StatementType | None,
    roots: Roots,
    timeout_s: float,
    timed_out: bool,
    tables: Callable[[], list[str]],
) -> ToolError:
    """Turn a DuckDB error into a message that says what went wrong and what to do."""
    message = str(exc)
    if isinstance(exc, duckdb.InterruptException):
        if timed_out:
            return ToolError(
                f"the query ran longer than the {timeout_s:g} s limit and was stopped. Make it "
                "cheaper: filter or aggregate earlier, add LIMIT, avoid accidental cross joins; "
                "[plugins.sql] timeout_s raises the limit. The connection is still usable."
            )
        return ToolError("the query was interrupted (the call was cancelled)")
    if isinstance(exc, duckdb.PermissionException):
        return _refusal(message, kind, roots)
    locked = _LOCKED.search(message)
    if locked:
        return ToolError(
            f"changing the setting '{locked.group(1)}' is not allowed: the SQL tools lock "
            "DuckDB's configuration (file access, extensions, memory and thread limits). "
            "Run the query without SET / PRAGMA statements that change settings."
        )
    if isinstance(exc, duckdb.OutOfMemoryException):
        return ToolError(
            f"the query ran out of memory: {clean(message)}. Aggregate or filter before "
            "joining, select fewer columns, or raise [plugins.sql] memory_limit."
        )
    if isinstance(exc, duckdb.ParserException):
        return ToolError(f"SQL syntax error: {clean(message)}")
    missing_table = _NO_TABLE.search(message)
    if isinstance(exc, duckdb.CatalogException) and missing_table:
        names = tables()
        listed = ", ".join(names) if names else "none yet; load a file with sql_load"
        return ToolError(f"{clean(message)}\nTables and views you can query: {listed}")
    no_files = _NO_FILES.search(message)
    if no_files:
        wanted = no_files.group(1)
        close = close_files(wanted, roots)
        hint = f" Files with close names: {', '.join(close)}." if close else ""
        return ToolError(f"no file matches '{roots.display(wanted)}'.{hint}")
    if isinstance(exc, duckdb.BinderException) and "column" in message.lower():
        return ToolError(f"{clean(message)}\n(sql_schema(table=...) lists a table's columns)")
    return ToolError(clean(message))


def _refusal(message: str, kind: duckdb.StatementType | None, roots: Roots) -> ToolError:
    denied = DENIED.search(message)
    path = denied.group(1) if denied else ""
    if "://" in path:
        return ToolError(
            f"reading '{path}' is not allowed: the SQL tools have no network access (no "
            "http, s3 or other remote files). Put the file in the workspace and read it "
            "from there."
        )
    if kind == _ST.LOAD or "extension" in message.lower() or "/.duckdb/" in path:
        return ToolError(
            "installing or loading DuckDB extensions (and DuckDB's own home directory) is not "
            "allowed. CSV, Parquet and JSON readers are built in and need no extension."
        )
    if not path:
        return ToolError(f"not allowed: {clean(message)}")
    where = "the workspace" + (" and the data dirs" if roots.data_dirs else "")
    lexical = Path(os.path.normpath(roots.workspace / path))
    if roots.readable_root(lexical) is not None:
        why = f"'{path}' leads outside {where} (through a symbolic link)"
    else:
        why = f"'{path}' is outside {where}"
    dirs = ", ".join(d.as_posix() for d in roots.data_dirs) or "none configured"
    return ToolError(
        f"file access refused: {why}. SQL may read files only in the workspace "
        f"({roots.workspace.as_posix()}) and the data dirs ({dirs}). Use a path inside them "
        "(relative paths start at the workspace, e.g. read_csv('data/file.csv')) or load "
        "the file with sql_load."
    )


def clean(message: str) -> str:
    """DuckDB's message without runs of blank lines, cut to a readable length."""
    text = re.sub(r"\n{3,}", "\n\n", message.strip())
    if len(text) > _MAX_MESSAGE:
        text = text[:_MAX_MESSAGE] + " ..."
    return text


def _check_write(target: str, roots: Roots, sources: Mapping[str, str], verb: str) -> str:
    refused = f"{verb} '{target}' is not allowed"
    if "://" in target or target.startswith("~"):
        raise ToolError(f"{refused}: SQL may write only to files in the workspace; {_WRITE_HINT}")
    ws = roots.workspace
    lexical = Path(os.path.normpath(ws / target))
    real = lexical.resolve()
    for data_dir in roots.data_dirs:
        if any(p == data_dir or data_dir in p.parents for p in (lexical, real)):
            raise ToolError(f"{refused}: data dirs are read-only; {_WRITE_HINT}")
    for path in (lexical, real):
        if path == ws:
            raise ToolError(f"{refused}: it is the workspace itself; name a file or subfolder")
        if ws not in path.parents:
            raise ToolError(f"{refused}: it is outside the run workspace; {_WRITE_HINT}")
        if path == ws / STATE_DIR.parts[0] or ws / STATE_DIR.parts[0] in path.parents:
            raise ToolError(f"{refused}: .agentcore/ holds agentcore's own state; {_WRITE_HINT}")
    for source, name in sources.items():
        pattern = Path(source)
        hit = (
            fnmatch.fnmatchcase(real.as_posix(), source)
            if has_glob(source)
            else real == pattern or real in pattern.parents
        )
        if hit:
            raise ToolError(
                f"{refused}: it would overwrite '{roots.display(pattern)}', the source of "
                f"{name}; sources are read-only. Write to a new file instead, "
                "e.g. 'out/result.parquet'."
            )
    return lexical.as_posix()


def _tokens(text: str) -> list[tuple[int, int, duckdb.token_type]]:
    found = duckdb.tokenize(text)
    out = []
    for i, (start, kind) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        while end > start and text[end - 1].isspace():
            end -= 1
        out.append((start, end, kind))
    return out


def _literals(text: str) -> list[tuple[int, int, str | None]]:
    return [
        (start, end, _literal_value(text[start:end]))
        for start, end, kind in _tokens(text)
        if kind == duckdb.token_type.string_const
    ]


def _literal_value(raw: str) -> str | None:
    """The value of a string literal token, or ``None`` for forms we do not decode."""
    if len(raw) >= 2 and raw[0] == "'" and raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if raw[:2] in ("E'", "e'") and raw[-1] == "'" and "\\" not in raw:
        return raw[2:-1].replace("''", "'")
    if raw.startswith("$") and raw.count("$") >= 4:
        tag = raw[: raw.index("$", 1) + 1]
        return raw[len(tag) : -len(tag)]
    return None


def _copy_target(text: str) -> tuple[int, int, str | None] | None:
    """The literal after ``TO`` at the top level of a COPY statement, if it has one."""
    depth = 0
    tokens = _tokens(text)
    for i, (start, end, kind) in enumerate(tokens):
        chunk = text[start:end]
        if kind == duckdb.token_type.operator:
            depth += chunk.count("(") - chunk.count(")")
        elif depth == 0 and kind == duckdb.token_type.keyword and chunk.upper() == "TO":
            if i + 1 < len(tokens) and tokens[i + 1][2] == duckdb.token_type.string_const:
                s, e, _ = tokens[i + 1]
                return s, e, _literal_value(text[s:e])
            after = tokens[i + 1][0] if i + 1 < len(tokens) else len(text)
            return after, after, None
    return None


def _first_literal(text: str) -> tuple[int, int, str | None] | None:
    depth = 0
    for start, end, kind in _tokens(text):
        chunk = text[start:end]
        if kind == duckdb.token_type.operator:
            depth += chunk.count("(") - chunk.count(")")
        elif depth == 0 and kind == duckdb.token_type.string_const:
            return start, end, _literal_value(chunk)
    return None
