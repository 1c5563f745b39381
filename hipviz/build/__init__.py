"""Contributor tools that rebuild the shipped data; the app never imports them.

``hipviz build-meshes`` (:mod:`~hipviz.build.build_meshes`, evaluating the source shape
model with :mod:`~hipviz.build.fieldwork`) writes ``meshes/``; ``hipviz build-muscles``
(:mod:`~hipviz.build.build_muscles`, :mod:`~hipviz.build.myosim`,
:mod:`~hipviz.build.build_wraps`, checked by :mod:`~hipviz.build.clearance`) writes
``hipviz/data/muscles.json``. They need the ``build`` extra (``pip install -e '.[build]'``).
They ship in the wheel as the source form of the meshes and the muscle data
(``meshes/NOTICE``); an import contract (``lint-imports``) keeps the app from using them.
"""
