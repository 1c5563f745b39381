"""Allow ``python -m hipviz``."""

from hipviz.cli import main

raise SystemExit(main())
