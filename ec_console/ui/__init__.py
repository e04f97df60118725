"""The console's Qt user interface: the only package that imports PySide6 (DESIGN.md, "Layers")."""
