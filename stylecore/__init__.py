"""stylecore: the render engine (Gatys et al. neural style transfer on VGG19) and the render loop.

stylecore never imports curator or textual: the app depends on the engine, never the reverse.
"""

__version__ = "0.1.0"
