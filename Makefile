# The README's commands. `.ci/run` calls `make install`, `make lint` and `make test`, nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install browser nginx run test lint lock bench mutate fuzz soak clean

install: $(BIN)/lovetv browser nginx

# The browser tests drive Debian's chromium through Playwright's executable_path; as root
# (CI, a fresh machine) it is installed with apt-get when missing. Under CI=true the tests
# fail, never skip, when it is still missing.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is missing: run 'sudo apt-get install chromium' for the browser tests" >&2; \
		fi; \
	fi

# The deployment test runs Debian's nginx with deploy/nginx/lovetv.conf; installed the same way.
NGINX ?= /usr/sbin/nginx
nginx:
	@if [ ! -x "$(NGINX)" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
		else \
			echo "nginx is missing: run 'sudo apt-get install nginx' for the deployment test" >&2; \
		fi; \
	fi

# Exactly the versions in the lock, each checked against its hashes; then the project itself,
# built with the locked setuptools (no build isolation, so nothing unlocked is fetched).
LOCK := requirements.txt
$(BIN)/lovetv: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	@touch $@

# Re-resolve the lock from pyproject.toml's ranges (the newest versions they allow), with
# hashes; review the diff, run the suite, commit both.
lock:
	@[ -x $(BIN)/pip-compile ] || $(MAKE) install
	$(BIN)/pip-compile --quiet --upgrade --extra dev --generate-hashes --allow-unsafe \
		--no-emit-index-url --no-emit-trusted-host --no-emit-find-links --strip-extras \
		--output-file $(LOCK) pyproject.toml

run: install
	$(BIN)/lovetv demo
	$(BIN)/lovetv serve --host 127.0.0.1 --port 5000

test: install
	$(BIN)/pytest -n 2 --dist loadfile

# ruff, then mypy over the packages and the bench ([tool.mypy] in pyproject.toml: strict on the
# cores feeds/, audio/ and auth/, plain on the shell).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench

# Mutation testing (mutmut) of the money and privacy code listed under [tool.mutmut] in
# pyproject.toml; slow, so not part of `make test`. Prints the survivors and the score.
mutate: install
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python tests/mutation_score.py

# Property-based fuzzing of the audio inspector for longer than the suite's fixed budget
# (FUZZ_EXAMPLES=5000, random seeds each run). Keep every crash it finds as a regression test.
FUZZ_EXAMPLES ?= 5000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:randomly -p no:xdist -W ignore tests/media/test_audio_hostile_fuzz.py

# Mixed traffic at ~80% of the measured peak against lovetv serve on a private PostgreSQL
# and S3 test server, restarting PostgreSQL once and stopping S3 once; SOAK_SECONDS to change.
soak: install
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
