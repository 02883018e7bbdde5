"""kata: a self-checking kata runner for learning neural networks.

Importing this package must stay cheap: no torch, no pytest. Only the child
process that runs checks pays for those imports.
"""

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """`%load_ext kata`: adds the `%kata` magics (see `kata.ipython`). IPython is imported only here."""
    from kata.ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    from kata.ipython import unload_ipython_extension as unload

    unload(ipython)
