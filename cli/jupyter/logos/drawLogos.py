# Draws the Jupyter kernelspec's logos (logo-32x32.png, logo-64x64.png): a 4x4 grid of attention
# weights, each row a softmax that peaks on the diagonal, in the renderer's blue scale. Run with
# /usr/bin/python3 (Pillow) when the logo changes; the PNGs are committed.
import math
from PIL import Image, ImageDraw

SIZE = 512
CELLS = 4
MARGIN = 40
GAP = 14
BACKGROUND = (30, 41, 59, 255)


def row_weights(row):
    scores = [3.0 if col == row else (1.2 if abs(col - row) == 1 else 0.0) for col in range(CELLS)]
    total = sum(math.exp(s) for s in scores)
    return [math.exp(s) / total for s in scores]


def blue(weight):
    # from a dark slate (0) to a bright sky blue (1)
    low, high = (51, 65, 85), (56, 189, 248)
    t = min(1.0, weight / 0.75)
    return tuple(round(a + (b - a) * t) for a, b in zip(low, high)) + (255,)


image = Image.new('RGBA', (SIZE, SIZE), (0, 0, 0, 0))
draw = ImageDraw.Draw(image)
draw.rounded_rectangle((0, 0, SIZE - 1, SIZE - 1), radius=96, fill=BACKGROUND)
cell = (SIZE - 2 * MARGIN - (CELLS - 1) * GAP) / CELLS
for row in range(CELLS):
    for col, weight in enumerate(row_weights(row)):
        x = MARGIN + col * (cell + GAP)
        y = MARGIN + row * (cell + GAP)
        draw.rounded_rectangle((x, y, x + cell, y + cell), radius=18, fill=blue(weight))
for size in (32, 64):
    image.resize((size, size), Image.LANCZOS).save(f'logo-{size}x{size}.png', optimize=True)
