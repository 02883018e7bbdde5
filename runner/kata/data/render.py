"""Drawing a digit in the terminal: two pixels a character, with Unicode half-blocks. NumPy, lazily."""

from __future__ import annotations

from typing import Any


def render_digit(img: Any, threshold: float = 0.5) -> str:
    """An image as text: each character is two pixels, drawn with the half-blocks ▀ ▄ █ (or a space).

    `img` is a tensor or array of shape (h, w), (1, h, w) or a flat square (h*w,);
    values in [0, 1], or 0-255 when the largest is above 1. A pixel is drawn when it
    is at least `threshold` (of 1).
    """
    import numpy as np

    if hasattr(img, "detach"):
        img = img.detach().cpu().numpy()
    pixels = np.asarray(img, dtype=np.float64)
    if pixels.ndim == 1:
        side = int(round(pixels.size ** 0.5))
        if side * side != pixels.size:
            raise ValueError(f"a flat image of {pixels.size} pixels is not square; give it as (height, width)")
        pixels = pixels.reshape(side, side)
    while pixels.ndim > 2 and pixels.shape[0] == 1:
        pixels = pixels[0]
    if pixels.ndim != 2:
        raise ValueError(f"render_digit draws one image of shape (h, w) or (1, h, w), not {tuple(np.shape(img))}")
    if pixels.size and pixels.max() > 1.0:
        pixels = pixels / 255.0
    on = pixels >= threshold
    if on.shape[0] % 2:
        on = np.vstack([on, np.zeros((1, on.shape[1]), dtype=bool)])
    glyph = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    return "\n".join(
        "".join(glyph[(bool(top), bool(bottom))] for top, bottom in zip(on[row], on[row + 1]))
        for row in range(0, on.shape[0], 2)
    )
