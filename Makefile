# The two commands of the README: `make run` and `make test` (and `make check`, `make bench`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run serve test check bench install

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# Sets up and starts the product on SQLite with the demo data, on http://127.0.0.1:8000
run: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# Runs the product for real: gunicorn on PostgreSQL (DATABASE_URL), after migrating; WhiteNoise serves the CSS.
# Put it behind a reverse proxy that ends TLS (README, "Running in production").
SERVE_BIND ?= 127.0.0.1:8000
SERVE_WORKERS ?= 3
serve: install
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "make serve runs on PostgreSQL: set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME" >&2; exit 1;; esac
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/gunicorn casework.wsgi --bind $(SERVE_BIND) --workers $(SERVE_WORKERS) --access-logfile - --forwarded-allow-ips 127.0.0.1

# Letters: time per letter against bare WeasyPrint, and a batch of 100 on every core (prints figures).
bench: install
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-key-for-bench-only} $(BIN)/python tests/bench/bench_letters.py
	# Exports: the CSV register of 100k cases against psql's \copy, and peak memory at 10k and 100k (PostgreSQL).
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-key-for-bench-only} $(BIN)/python tests/bench/bench_exports.py
	# Permissions: the cases a user may see among 100k cases and ~1.1M grants, direct tables against guardian's generic ones, and the HR case list at 25 and 100 a page (PostgreSQL).
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-key-for-bench-only} $(BIN)/python tests/bench/bench_permissions.py

# The whole test suite, on SQLite unless DATABASE_URL names another database, on two processes
# (pytest-xdist): serially it takes about 14 minutes on SQLite and 16 on PostgreSQL on two cores.
# PYTEST_ARGS="-n 0" runs it in one process; PYTEST_ARGS="tests/test_x.py" runs one file.
PYTEST_ARGS ?= -n 2
test: install
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-key-for-tests-only} $(BIN)/pytest $(PYTEST_ARGS)

# Lint (ruff) and types (mypy with django-stubs, which loads the settings), as configured in pyproject.toml.
# Both run, so one report shows every problem; the target fails if either finds one.
check: install
	status=0; \
	$(BIN)/ruff check . || status=1; \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-key-for-checks-only} $(BIN)/mypy incidents casework || status=1; \
	exit $$status
