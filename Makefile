# Benefits Bookshelf. `make run` and `make test` are the two commands a new user needs.
PY ?= python3
UV := $(PY) -m uv
RUN := $(UV) run --frozen
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1:8000
CUSTOMERS ?= 500

.PHONY: install run test test-replication test-pgbouncer browser lint format messages worker beat dev load clean bench bench-smoke

.venv/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PY) -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

install: .venv/.installed

## Install, migrate, seed the demo shelf and serve the admin and API on http://$(HOST)/
run: install
	$(RUN) python manage.py migrate --no-input
	$(RUN) python manage.py seed_demo --customers $(CUSTOMERS)
	@echo "Admin: http://$(HOST)/admin/  API docs: http://$(HOST)/api/docs/"
	$(RUN) python manage.py runserver $(HOST)

## Install and run the whole test suite (SQLite by default; DATABASE_URL / REDIS_URL for real services)
test: install browser
	$(RUN) pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory test-replication

## The replica tests, a session of their own: a private primary and a streaming replica started
## from the installed PostgreSQL binaries (tests/replication/cluster.py). With DATABASE_URL on
## PostgreSQL (the real-services suite); the embedded default says so and leaves them out.
test-replication: install
	@case "$${DATABASE_POOLING:-}:$${DATABASE_URL:-}" in \
	  transaction:*) echo "The replica tests run in the direct PostgreSQL pass, not through pgbouncer." ;; \
	  *:postgres*) TEST_CACHE_DB_BASE=$${TEST_CACHE_DB_BASE:-5} $(RUN) python -m pytest \
	    -p tests.replication.cluster tests/replication -q ;; \
	  *) echo "The replica tests (a private primary and streaming replica) run when DATABASE_URL is PostgreSQL." ;; \
	esac

## The same `make test` through a private pgbouncer in transaction mode in front of
## DATABASE_URL's PostgreSQL (.ci/pgbouncer: started on PGBOUNCER_PORT, default 6432, stopped after)
test-pgbouncer:
	.ci/pgbouncer run -- $(MAKE) test

## Debian's headless Chromium and its driver for the browser tests (never a downloaded browser)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		( command -v apt-get >/dev/null && apt-get update -qq && \
		  apt-get install -y -qq chromium chromium-driver >/dev/null ) || \
		echo "Install Debian's chromium and chromium-driver for the browser tests."

## Celery against Redis (REDIS_URL, default the local Redis): a worker, the beat, or both
## with the web server. Run exactly ONE beat per deployment, or scheduled jobs run twice.
DEV_REDIS_URL ?= redis://127.0.0.1:6379/0
# Celery's app defaults to the production settings: the local targets name the dev ones.
DEV_SETTINGS := DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev}

worker: install
	$(DEV_SETTINGS) REDIS_URL=$${REDIS_URL:-$(DEV_REDIS_URL)} $(RUN) celery -A config worker --loglevel=INFO

beat: install
	$(DEV_SETTINGS) REDIS_URL=$${REDIS_URL:-$(DEV_REDIS_URL)} $(RUN) celery -A config beat --loglevel=INFO \
		--scheduler config.beat:SingleBeatScheduler

## Web + worker + beat together for local use (honcho runs Procfile.dev)
dev: install
	$(RUN) python manage.py migrate --no-input
	REDIS_URL=$${REDIS_URL:-$(DEV_REDIS_URL)} HOST=$(HOST) $(RUN) honcho -f Procfile.dev start

## Load test on loopback: gunicorn + PostgreSQL (its own database, dropped and re-seeded),
## an open-loop schedule (bookshelf.devtools.scale.openloop) at LOAD_RATE req/s for
## LOAD_DURATION s; writes the "## Load" section of BENCHMARKS.md and fails if more than
## 0.1% of requests fail or a quota counter is off.
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bookshelf_load
LOAD_CUSTOMERS ?= 200
LOAD_USERS ?= 20
LOAD_RATE ?= 20
LOAD_DURATION ?= 60
LOAD_WORKERS ?= 3

load: install
	DATABASE_URL=$(LOAD_DATABASE_URL) $(RUN) python manage.py load_test --fresh \
		--customers $(LOAD_CUSTOMERS) --users $(LOAD_USERS) --rate $(LOAD_RATE) \
		--duration $(LOAD_DURATION) --workers $(LOAD_WORKERS) --benchmarks BENCHMARKS.md

## Benchmarks against PostgreSQL: `make bench` (1M customers / 20M redemptions by default;
## `make bench CUSTOMERS=10000 REDEMPTIONS=200000` for a quick one). The databases
## $(BENCH_DB), $(BENCH_DB)_small (BENCH_SMALL, for "flat with size") and $(BENCH_DB)_tenth
## (a tenth of the size, for the review's memory) are seeded once and kept. Prints one table
## and writes BENCHMARKS.md. Exits non-zero if a goal fails.
BENCH_CUSTOMERS = $(if $(filter command line,$(origin CUSTOMERS)),$(CUSTOMERS),1000000)
REDEMPTIONS ?= 20000000
BENCH_SMALL ?= 10000:200000
BENCH_TENTH ?=
BENCH_DB ?= bookshelf_scale
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432
BENCH_REDIS_URL ?= $(DEV_REDIS_URL)
BENCH_ARGS ?=

bench: install
	$(RUN) python manage.py bench --customers $(BENCH_CUSTOMERS) --redemptions $(REDEMPTIONS) \
		--small $(BENCH_SMALL) $(if $(BENCH_TENTH),--tenth $(BENCH_TENTH)) --db $(BENCH_DB) \
		--database-url-base $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL) $(BENCH_ARGS) \
		--command-line "make bench CUSTOMERS=$(BENCH_CUSTOMERS) REDEMPTIONS=$(REDEMPTIONS) BENCH_SMALL=$(BENCH_SMALL) BENCH_REDIS_URL=$(BENCH_REDIS_URL)"

## The same suite at a tiny size for CI (a minute or two): correctness goals are judged
## (no quota exceeded, no replay spent twice), speed ratios only shown; writes no report.
bench-smoke: install
	@# A fresh, tiny data set each time: the contention probe spends the uses it races for.
	@for db in bookshelf_bench_smoke bookshelf_bench_smoke_small bookshelf_bench_smoke_tenth; do \
		$(RUN) python -c "import psycopg,sys; c=psycopg.connect('$(BENCH_DATABASE_URL)/postgres', autocommit=True); c.execute('DROP DATABASE IF EXISTS ' + sys.argv[1] + ' WITH (FORCE)')" $$db; done
	$(RUN) python manage.py bench --smoke --customers 2000 --redemptions 20000 --small 500:5000 \
		--db bookshelf_bench_smoke --database-url-base $(BENCH_DATABASE_URL) \
		--redis-url $(BENCH_REDIS_URL) --rounds 1 --iterations 100 --out ""

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy .
	$(RUN) lint-imports
	$(RUN) python manage.py makemigrations --check --dry-run

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

messages: install
	$(RUN) python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles
	$(RUN) python manage.py compilemessages --ignore=.venv

clean:
	rm -rf .venv db.sqlite3 staticfiles .pytest_cache .mypy_cache .ruff_cache
