"""kata: a self-checking kata runner for learning neural networks.

Importing this package must stay cheap: no torch, no pytest. Only the child
process that runs checks pays for those imports.
"""

__version__ = "0.1.0"
