# agentcore — `make demo` and `make test` work on a fresh Debian machine with only python3:
# they install a pinned uv into .tools/, then the locked environment, then run.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install system-deps demo test lint format bench bench-peers help-snapshot eval-cassettes clean

$(UV):
	@if ! python3 -m venv .tools/venv >/dev/null 2>&1; then \
	  echo "python3-venv is missing; installing it with apt-get"; \
	  rm -rf .tools/venv; \
	  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; \
	  python3 -m venv .tools/venv; \
	fi
	.tools/venv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	mkdir -p .tools/bin && ln -sf ../venv/bin/uv $(UV)

.venv/.installed: $(UV) pyproject.toml uv.lock plugins/*/pyproject.toml
	$(UV) sync --locked --all-extras --all-packages
	touch $@

install: .venv/.installed system-deps

# bubblewrap for the local sandbox: installed with apt when missing and we can (root).
system-deps:
	@if ! command -v bwrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (the local sandbox needs it)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  else \
	    echo "warning: bubblewrap is missing; code execution will be refused until you run: sudo apt-get install bubblewrap"; \
	  fi; \
	fi

demo: install
	$(UV) run agentcore demo

test: install
	$(UV) run pytest -q

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

# agentcore next to langgraph-supervisor, smolagents, CrewAI and Pydantic AI, each in its own
# venv under benchmarks/peers/.venvs (created on first use): writes benchmarks/peers/RESULTS.md.
bench-peers: install
	$(UV) run python benchmarks/peers/run.py

bench: install
	$(UV) run python benchmarks/overhead.py
	$(UV) run python benchmarks/cold_start.py
	$(UV) run python benchmarks/sandbox.py
	$(UV) run python benchmarks/sql.py
	$(UV) run python benchmarks/train_model.py
	$(UV) run python benchmarks/memory.py
	$(UV) run python benchmarks/retrieval/quality.py
	$(UV) run python benchmarks/batch.py

help-snapshot: install
	$(UV) run python -m agentcore.cli.gen_help

# Re-record the bundled eval suites' cassettes from their scripted reference agents
# (tests/evals/reference/): real tools, no LLM. One suite: ... record SUITE.
eval-cassettes: install
	$(UV) run python -m tests.evals.reference.record all

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
