"""Territorial early warning: spike detectors for count series, vectorised over many series at once.

Detectors follow the scikit-learn shape: settings are stored unchanged in ``__init__``, ``fit`` computes and
returns ``self``, learned arrays end in ``_`` and are shaped like the input ``(series, time)``. :func:`detect`
runs any of them by name.
"""

from .cusum import NegBinCusum
from .ears import EarsC
from .farrington import Farrington, farrington_threshold, noufaily_threshold
from .registry import METHODS, Detection, check_methods, detect
from .semaforo import Semaforo
from .series import SeriesError, read_count_series

__all__ = [
    "METHODS",
    "Detection",
    "EarsC",
    "Farrington",
    "NegBinCusum",
    "Semaforo",
    "SeriesError",
    "check_methods",
    "detect",
    "farrington_threshold",
    "noufaily_threshold",
    "read_count_series",
]
