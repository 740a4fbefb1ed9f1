"""Sandboxes on one workspace share its uid; other workspaces get their own."""

from __future__ import annotations

import os

import pytest

from agentcore.sandbox._local._uids import uid_processes
from tests.sandbox.conftest import needs_bwrap

pytestmark = [
    needs_bwrap,
    pytest.mark.skipif(os.geteuid() != 0, reason="per-sandbox uids need root"),
]


def test_two_live_sandboxes_on_one_workspace_share_its_uid(local_factory, tmp_path):
    ws, other_ws = tmp_path / "ws", tmp_path / "other"
    first = local_factory(workspace=ws)
    second = local_factory(workspace=ws)  # e.g. run_python's session and an ML tool call
    other = local_factory(workspace=other_ws)
    uid = first._lease.uid
    assert second._lease.uid == uid
    assert other._lease.uid != uid

    # Both can write the workspace, in either order, while both are alive.
    first.run_code("open('a.txt', 'w').write('1')")
    second.run_code("open('b.txt', 'w').write('2'); open('a.txt', 'a').write('+')")
    assert first.run_code("open('a.txt').read() + open('b.txt').read()").text == "'1+2'"

    # Closing one leaves the other running; the last one out leaves nothing behind.
    first.run_code("import subprocess; p = subprocess.Popen(['sleep', '30'])")
    second.kill()
    assert first.run_code("p.poll() is None").text == "True"
    first.kill()
    assert uid_processes(uid) == []
    other.kill()
