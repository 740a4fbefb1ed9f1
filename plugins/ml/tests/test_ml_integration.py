"""The ML tools next to run_python's long-lived sandbox, and on a backend with its own files."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from agentcore_ml import _execute, predict, train_model
from ml_testkit import Lab, model_id_of

from agentcore.sandbox import Sandbox


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("bwrap"),
    reason="workspace hand-over between sandbox uids happens only as root on the local backend",
)
def test_run_python_can_still_write_after_an_ml_tool_ran(lab: Lab) -> None:
    from agentcore_code import close_all, run_python

    try:
        assert "ok" in lab.call(run_python, code="open('before.txt', 'w').write('1'); 'ok'")
        lab.call(train_model, data="penguins.csv", target="species", cv_folds=3)

        answer = lab.call(run_python, code="open('after.txt', 'w').write('2'); 'ok'")

        assert "PermissionError" not in answer and (lab.workspace / "after.txt").is_file()
    finally:
        close_all()


class RemoteLike:
    """Like E2B: the code sees its own copy of the files, not the host workspace."""

    @classmethod
    def create(cls, **kwargs: Any) -> RemoteLike:
        return cls(**kwargs)

    def __init__(self, **kwargs: Any) -> None:
        self.private = Path(tempfile.mkdtemp(prefix="remote-like-"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.inner = Sandbox.create(
                workspace=self.private, backend="unsafe-subprocess", settings=kwargs["settings"]
            )
        self.files = self.inner.files

    def run_code(self, code: str, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.inner.run_code(code, **kwargs)

    def pull_workspace(self) -> list[Path]:  # its presence marks a backend with its own files
        raise AssertionError("the ML tools fetch the files they name instead")

    def kill(self) -> None:
        self.inner.kill()
        shutil.rmtree(self.private, ignore_errors=True)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_inputs_and_outputs_travel_to_a_backend_with_its_own_files(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_execute, "Sandbox", RemoteLike)
    frame = pd.read_csv(lab.workspace / "penguins.csv").drop(columns="species")
    lab.write("new.csv", frame.head(5))

    model_id = model_id_of(lab.call(train_model, data="penguins.csv", target="species", cv_folds=3))
    lab.call(predict, model_id=model_id, data="new.csv", output="preds.csv")

    assert (lab.workspace / f".agentcore/models/{model_id}.joblib").is_file()
    assert len(pd.read_csv(lab.workspace / "preds.csv")) == 5
