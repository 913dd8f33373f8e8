"""A model with encrypted identifying fields, installed only by the test settings (the raw-database checks)."""
