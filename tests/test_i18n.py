"""Every user-facing string has an English translation, and the catalogue is up to date with the code."""

import os
import re
import shutil
from pathlib import Path

from django.core.management import call_command

import atalaya

PACKAGE = Path(atalaya.__file__).parent
_ENTRY = re.compile(
    r'(?ms)^(#, fuzzy\n)?(?:#\| .*?\n)*msgid ((?:".*?"\n)+)(?:msgid_plural (?:".*?"\n)+)?((?:msgstr.*?\n(?:".*?"\n)*)+)'
)


def untranslated(po_text: str) -> list[str]:
    missing = []
    for fuzzy, msgid, msgstr in _ENTRY.findall(po_text):
        ident = "".join(re.findall(r'"(.*)"', msgid))
        value = "".join(re.findall(r'"(.*)"', msgstr))
        if ident and (fuzzy or not value):
            missing.append(ident)
    return missing


def test_english_catalogue_is_complete():
    po = (PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert untranslated(po) == []


def test_catalogue_has_every_string_of_the_code(tmp_path, settings):
    copy = tmp_path / "atalaya"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    settings.LOCALE_PATHS = [copy / "locale"]
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["en"], ignore_patterns=["analysis/*"], verbosity=0)
    finally:
        os.chdir(cwd)
    regenerated = (copy / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert untranslated(regenerated) == [], "run makemessages -l en and translate the new strings"
