# The two commands: `make run` and `make test`. Both set up .venv through `make install`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test bench clock lint clean browser poppler wrk

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## install: create .venv and install the project with its test tools (only sets up)
install: $(STAMP)

## run: migrate the SQLite database, load the demo organisation if empty, serve on $$PORT (default 8000, .env works too)
run: install
	$(BIN)/flask --app bot db upgrade
	$(BIN)/flask --app bot seed-demo
	$(BIN)/python -m bot.serve

## test: every test, on SQLite and (when 127.0.0.1:5432 answers) PostgreSQL
test: install browser poppler
	$(BIN)/python -m pytest -n 2 -q

## browser: Debian's Chromium for the browser test (skipped quietly where apt is not ours)
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium not installed: the browser test will be skipped"; }

## poppler: pdftotext/pdftoppm, which the document tests read and render PDFs with (skipped quietly where apt is not ours)
poppler:
	@command -v pdftoppm >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null) || \
	  echo "poppler-utils not installed: the PDF text and page checks will be skipped"; }

## bench: speed and memory figures (intent parsing, the follow-up run, delivery, the webhook against an echo bot, command start-up)
bench: install wrk
	$(BIN)/python bench/run.py

## wrk: Debian's HTTP load generator for the webhook benchmark (skipped quietly where apt is not ours)
wrk:
	@command -v wrk >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || \
	  echo "wrk not installed: the webhook benchmark will be skipped"; }

## lint: ruff over the code (pyflakes, bugbear, pyupgrade)
lint: install
	$(BIN)/ruff check bot handlers models scheduler thai tests bench

## clock: the scheduler process (what the Procfile's clock runs)
clock: install
	$(BIN)/flask --app bot clock

clean:
	rm -rf $(VENV) instance .pytest_cache
