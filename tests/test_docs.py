"""Docs are part of the product: checked against the code so that they cannot drift."""

import re
from pathlib import Path

import pytest

from atalaya.cli import docgen
from atalaya.hooks import READERS

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "src" / "atalaya" / "web" / "settings"


def test_cli_reference_is_generated_from_the_real_help():
    committed = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert committed == docgen.cli_reference(), "regenerate it: python -m atalaya.cli.docgen"


def test_every_command_is_in_the_cli_reference():
    committed = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    for name in docgen.command_names():
        assert f"## {name}\n" in committed


@pytest.mark.parametrize("guide", ["docs/es/datos.md", "docs/en/data.md"])
def test_every_reader_is_documented(guide):
    text = (ROOT / guide).read_text(encoding="utf-8")
    for name in READERS:
        assert f"`{name}`" in text, f"{name} missing from {guide}"


@pytest.mark.parametrize("guide", ["docs/es/configuracion.md", "docs/en/configuration.md"])
def test_every_environment_variable_is_documented(guide):
    used = set()
    for path in SETTINGS.glob("*.py"):
        used |= set(re.findall(r'environ(?:\.get)?\(\s*"([A-Z_]+)"', path.read_text(encoding="utf-8")))
    text = (ROOT / guide).read_text(encoding="utf-8")
    assert used, "no settings read from the environment?"
    for variable in sorted(used):
        assert f"`{variable}`" in text, f"{variable} missing from {guide}"


def test_readme_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in ci and "DATABASE_URL" in ci
