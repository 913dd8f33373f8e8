"""Evaluating responses and programmes against crime outcomes (pure functions, no Django).

``place``: before/after with a comparison area and the displacement check of a place-based response (SARA
assessments and programme evaluations share it: one implementation).
"""

from .place import PlaceCounts, PlaceEvaluation, evaluate_place

__all__ = ["PlaceCounts", "PlaceEvaluation", "evaluate_place"]
