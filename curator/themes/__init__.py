"""The app's colour themes, as data files (*.toml) shipped inside the package.

Each file is one Textual theme: a name, dark or light, and its colours. The app reads every
file here at start (importlib.resources, so an installed wheel finds them as a checkout does).
"""
