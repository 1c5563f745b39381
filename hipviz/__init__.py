"""hipviz: interactive 3D hip anatomy visualiser.

Layers (imports only flow downwards):

* ``hipviz.core``   - numpy-only anatomical / muscle model
* ``hipviz.io``     - mesh loading and build-time tools (core + trimesh)
* ``hipviz.render`` - pyvista scene (no Qt)
* ``hipviz.gui``    - PyQt5 window (the only Qt layer)
"""

__version__ = "0.1.0"
