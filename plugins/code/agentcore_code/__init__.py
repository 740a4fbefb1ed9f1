"""``run_python``: stateful Python execution in the run's sandbox, for coders and ML agents.

Each run gets one sandbox (the backend is ``[sandbox] backend`` in config: ``local`` by
default), created on the run's first call and kept while the run uses it, so variables survive
between calls. Output is cut to a size the model can read, with the full text saved under
``.agentcore/outputs/`` in the workspace; matplotlib figures are saved as ``charts/chart-N.png``
and reported as the run's artifacts.

Caps can be set per project in ``agentcore.toml``::

    [plugins.code]
    max_stdout_chars = 8000    # stdout the model sees (start and end kept)
    max_stderr_chars = 3000
    max_result_chars = 4000    # text of each result
    traceback_lines = 25       # last lines of a traceback
    max_timeout_s = 600        # largest timeout_s a call may ask for (600 at most)
    idle_minutes = 30          # a run's sandbox unused this long is stopped

Whoever runs agents calls :func:`close_run` when a run ends; :func:`close_all` (also run at
interpreter exit) stops every sandbox of the process.
"""

from agentcore_code._options import CodeOptions
from agentcore_code._sessions import SANDBOXES, RunSandboxes, aclose_run, close_all, close_run
from agentcore_code._tool import run_python

__all__ = [
    "SANDBOXES",
    "CodeOptions",
    "RunSandboxes",
    "aclose_run",
    "close_all",
    "close_run",
    "run_python",
]
