"""Individual early warning and referral (SAT): persons, cases per module, intakes, screenings, and what follows.

Sensitive by design: identities live apart from persons, encrypted (``core.fields``), found only through a keyed
blind index; every model is classed sensitive; the observatory sees only de-identified aggregates.
"""
