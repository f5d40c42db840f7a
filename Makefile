# Two entry points (see README "Quick start"): `make demo` and `make test`.
# Each bootstraps .venv from requirements.lock on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-stamp

$(STAMP): requirements.lock pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

.PHONY: install demo test lock
install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/handover demo

test: $(STAMP)
	$(VENV)/bin/python -m pytest -n 2 --dist worksteal --durations=15

# Re-resolve the lock from pyproject.toml in a scratch venv (needs the registry).
lock:
	rm -rf /tmp/handover-lock && $(PYTHON) -m venv /tmp/handover-lock
	/tmp/handover-lock/bin/pip install --quiet ".[test]"
	( echo '# Locked dependency set: `make` installs exactly these (see Makefile). Regenerate with `make lock`.'; \
	  /tmp/handover-lock/bin/pip freeze --exclude-editable | grep -v '^handover' ) > requirements.lock
