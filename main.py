"""Convenience launcher: ``python main.py`` is equivalent to ``hipviz``."""

from hipviz.cli import main

raise SystemExit(main())
