"""File tools confined to the run workspace: list, read, write and search.

Every path a model passes is resolved with :meth:`agentcore.tools.ToolContext.resolve`, so
``..``, absolute paths outside the workspace and symbolic links that lead out of it are refused
with a message the model can act on.

Caps can be set per project in ``agentcore.toml``::

    [plugins.files]
    max_list_entries = 200       # entries list_files shows
    max_write_bytes = 1000000    # bytes one write_file call may write
    max_file_bytes = 10000000    # size a file may reach through write_file(append=True)
    max_search_file_bytes = 5000000  # larger files are skipped by search_files
"""

from agentcore_files._listing import list_files
from agentcore_files._reading import read_file
from agentcore_files._searching import search_files
from agentcore_files._writing import write_file

__all__ = ["list_files", "read_file", "search_files", "write_file"]
