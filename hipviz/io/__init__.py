"""Mesh loading and build-time tools; may import hipviz.core and trimesh, never pyvista/Qt."""
