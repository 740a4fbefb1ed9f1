"""The ``e2b`` sandbox backend: agentcore's sandbox interface on the E2B cloud.

Install the extra (``uv pip install 'agentcore[e2b]'``), set ``E2B_API_KEY`` and select the
backend in ``agentcore.toml``::

    [sandbox]
    backend = "e2b"

    [plugins.e2b]            # all optional
    template = "my-template" # an E2B template built on the code-interpreter image
    workdir = "/home/user/workspace"  # where the workspace is uploaded and code runs
    max_upload_mb = 100      # caps on the workspace uploaded at start
    max_upload_files = 2000

The ``e2b-code-interpreter`` SDK is imported when a sandbox starts, not when the plugin loads.
"""

from agentcore_e2b._backend import E2BFilesystem, E2BSandbox
from agentcore_e2b._options import E2BOptions

__all__ = ["E2BFilesystem", "E2BOptions", "E2BSandbox"]
