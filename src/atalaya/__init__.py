"""Atalaya: plataforma abierta para observatorios municipales del delito y la violencia."""

__version__ = "0.1.0"
