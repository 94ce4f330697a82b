"""stylecore: the render engine (Gatys et al. neural style transfer on VGG19) and the render loop.

Parts, each a subpackage, layered so that each imports only those below it:

- ``gatys``: the optimisation engine (VGG19 features, losses, batched L-BFGS, colour);
- ``preview``: the fast feed-forward preview engine (Magenta's arbitrary stylisation, ONNX);
- ``studio``: the studio folder, its SQLite database, the job queue and the loop registry;
- ``stats``: image statistics, their cache in the studio database, their picture;
- ``loops``: the render loops that feed the engines from the queue (local and Ray).

Below them all, plain modules that every part shares: errors, settings, specs, rendering (the
request an engine takes and the protocol every engine implements), images and files.
stylecore never imports curator or Textual: the app depends on the engine, never the reverse.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("style-curator")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
