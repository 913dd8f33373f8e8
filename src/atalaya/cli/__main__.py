"""``python -m atalaya.cli …`` (how ``atalaya serve`` starts its worker)."""

from .main import main

raise SystemExit(main())
