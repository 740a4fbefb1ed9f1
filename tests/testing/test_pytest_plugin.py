import os
from pathlib import Path

import pytest

from agentcore.config import load_settings
from agentcore.testing import ScriptedChatModel

CONFTEST = 'pytest_plugins = ["agentcore.testing.pytest_plugin"]\n'


def run_inner(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(source)
    return pytester.runpytest("--strict-markers", "-p", "no:cacheprovider")


def test_a_test_that_swallows_the_guard_error_still_fails(pytester: pytest.Pytester):
    result = run_inner(
        pytester,
        """
        import socket

        def test_swallows():
            try:
                socket.create_connection(("10.255.255.1", 9), timeout=5)
            except OSError:
                pass  # a retry loop or a fallback would do this

        def test_clean():
            pass
        """,
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*agentcore tests are offline: a test tried to reach 10.255.255.1:9*"]
    )


@pytest.mark.allow_network  # so only the inner session's guard is in play
def test_markers_are_registered_and_lift_the_guard(pytester: pytest.Pytester):
    result = run_inner(
        pytester,
        """
        import socket, _socket
        import pytest

        @pytest.mark.allow_network
        def test_allowed():
            assert socket.socket.connect is _socket.socket.connect

        @pytest.mark.live
        def test_live():
            assert socket.socket.connect is _socket.socket.connect

        def test_guarded():
            assert socket.socket.connect is not _socket.socket.connect
        """,
    )
    result.assert_outcomes(passed=3)


def test_environment_is_hermetic_except_for_live_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    user_config = tmp_path / "real-config"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-real")
    monkeypatch.setenv("AGENTCORE_MODEL", "openai:gpt-x")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user_config))
    result = run_inner(
        pytester,
        f"""
        import os
        import pytest

        def test_scrubbed():
            assert "OPENAI_API_KEY" not in os.environ
            assert "ANTHROPIC_API_KEY" not in os.environ
            assert not [v for v in os.environ if v.startswith("AGENTCORE_")]
            config = os.environ["XDG_CONFIG_HOME"]
            assert config != {str(user_config)!r}
            assert not os.path.exists(config) or not os.listdir(config)

        @pytest.mark.live
        def test_live_keeps_keys():
            assert os.environ["OPENAI_API_KEY"] == "sk-real"
        """,
    )
    result.assert_outcomes(passed=2)
    assert os.environ["OPENAI_API_KEY"] == "sk-real"  # restored after the inner tests


def test_tmp_data_dir_points_settings_at_a_fresh_folder(tmp_data_dir: Path):
    assert tmp_data_dir.is_dir()
    assert not any(tmp_data_dir.iterdir())
    assert os.environ["AGENTCORE_DATA_DIR"] == str(tmp_data_dir)
    config_home = Path(os.environ["XDG_CONFIG_HOME"])
    assert config_home.is_dir() and not any(config_home.iterdir())
    assert load_settings().data_dir == tmp_data_dir


def test_outer_environment_has_no_agentcore_variables():
    assert not [v for v in os.environ if v.startswith("AGENTCORE_")]


def test_scripted_model_factory(scripted_model, tmp_path: Path):
    flat = scripted_model(["a", "b"], name="flat")
    assert isinstance(flat, ScriptedChatModel)
    assert [flat.invoke("x").content for _ in range(2)] == ["a", "b"]
    assert flat.script_name == "flat"

    keyed = scripted_model({"coder": ["c"]}, repeat_last=True)
    coder = {"metadata": {"agentcore_agent": "coder"}}
    assert [keyed.invoke("x", config=coder).content for _ in range(3)] == ["c", "c", "c"]

    path = tmp_path / "s.yaml"
    path.write_text("responses: [from a file]\n")
    from_file = scripted_model(path)
    assert from_file.invoke("x").content == "from a file"
    assert from_file.script_name == "s"
    assert scripted_model(str(path), name="renamed").script_name == "renamed"
