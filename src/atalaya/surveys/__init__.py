"""Victimisation, perception and trust surveys: imports of INEGI's ENSU and of generic surveys with a declared
design, their design-based estimates by city, quarter and sex, changes and rankings, beside recorded crime."""
