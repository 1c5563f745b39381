"""Numpy-only anatomical and muscle model; must import nothing but numpy and the stdlib."""
