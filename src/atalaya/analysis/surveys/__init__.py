"""Victimisation, perception and trust surveys: design-based estimates (pure functions, no Django).

``design``: Taylor linearisation for stratified cluster samples (equal to R ``survey``); ``estimates``: indicators,
estimates by domain, changes and rankings; ``ensu``: INEGI's ENSU CB table and its indicators; ``synthetic``:
ENSU-format microdata with a known design for the demo, the tests and the benchmark.
"""
