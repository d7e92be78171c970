"""Home in AppTest: its picture is scaled once per width and process, not on every rerun."""

import io

from harness import APP, scaled
from PIL import Image
from streamlit.testing.v1 import AppTest

from pages import _home_slide as H


def test_a_rerun_of_home_scales_no_picture(monkeypatch):
    """Streamlit scales a picture file wider than it draws on every rerun (a rerun of Home took 0.14 s, 0.05 s
    without it); Home hands it bytes already at that width, scaled the first time."""
    H._hook_png.cache_clear()
    scalings = []
    resize = Image.Image.resize
    monkeypatch.setattr(Image.Image, "resize", lambda self, *a, **k: scalings.append(a[0]) or resize(self, *a, **k))
    at = AppTest.from_file(APP, default_timeout=scaled(60))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    first = len(scalings)
    at.run()
    at.run()
    assert not at.exception
    assert len(scalings) == first, scalings[first:]


def test_the_picture_is_the_file_at_each_width_it_is_drawn():
    with Image.open(H.HOOK) as original:
        size = original.size
    for most in (H.STRETCHED, 900, 400):
        with Image.open(io.BytesIO(H._hook_png(most, H.HOOK.stat().st_mtime_ns))) as image:
            width = min(most, size[0])
            assert image.format == "PNG" and image.width == width
            assert abs(image.height - size[1] * width / size[0]) <= 1  # the same proportions
