"""Pyvista scene construction and rendering; may import core, io and pyvista, never Qt."""
