"""PyQt5 window and widgets; the only layer allowed to import Qt (PyQt5 / pyvistaqt)."""
