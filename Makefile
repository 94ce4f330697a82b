# Two entry points, each doing all set-up on a fresh machine: `make demo` and `make test`.
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint check venv clean

$(PY):
	@interp=$$(bash tools/find-python.sh) || exit 1; \
	echo "creating $(VENV) with $$interp"; \
	"$$interp" -m venv $(VENV)

# Installs the project with its test extras; redone when pyproject.toml changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m curator.demo

test: $(STAMP)
	$(PY) -m pytest -q

# ruff; import-linter's contracts (pyproject.toml: the layers and the service's one door);
# mypy over stylecore and curator.
lint: $(STAMP)
	$(VENV)/bin/ruff check stylecore curator tests bench
	$(VENV)/bin/ruff format --check stylecore curator tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

check: lint test

clean:
	rm -rf $(VENV) build *.egg-info
