"""The ``atalaya`` command line: one package, one module per command group (``main`` builds the parser)."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
