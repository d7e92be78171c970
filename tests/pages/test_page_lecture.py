"""The Lecture page in AppTest: the default lecture walked with Next across the app's pages and back, its
slide in the URL; a malformed lecture file names the file, entry and field, and the rest of the app works."""

import re

import pytest
from experiment_pages import text_of
from harness import APP, scaled
from reader_text import page_problems
from streamlit.testing.v1 import AppTest

from bnviz.teach import lecture as LE

pytestmark = pytest.mark.usefixtures("shipped")  # the shipped results, read from one folder per process


def open_lecture(params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=scaled(180))
    at.run()
    at.switch_page("pages/lecture.py")
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def press(at: AppTest, label: str) -> None:
    button = next(b for b in at.button if b.label == label)
    assert button.proto.shortcut == {"Next": "right", "Previous": "left"}[label]  # the arrow keys press it
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]


def title(at: AppTest) -> str:
    """The slide's title as shown (the page escapes text from the lecture file)."""
    return re.sub(r"\\(.)", r"\1", at.title[0].value)


def source_page(at: AppTest) -> str:
    return re.search(r"from \*(.+?)\*", text_of(at.caption, raw=True)).group(1)


@pytest.mark.slow  # 22 slides, each drawn from the shipped results
def test_the_default_lecture_walks_across_the_pages_and_back():
    lecture = LE.load(LE.path_of(LE.DEFAULT))
    at = open_lecture({"slide": "1"})
    seen = []
    for i, slide in enumerate(lecture.slides, 1):
        assert title(at) == slide.title and at.query_params == {"slide": str(i)}
        assert not at.warning, text_of(at.warning)  # every entry's state is one its page can show
        assert not [p for p in page_problems(at) if "bnviz" in p or "norm" in p]
        seen.append(source_page(at))
        if i < len(lecture.slides):
            press(at, "Next")
    assert len(set(seen)) >= 5, seen
    assert next(b for b in at.button if b.label == "Next").disabled
    for i in range(len(lecture.slides) - 1, 0, -1):
        press(at, "Previous")
        assert title(at) == lecture.slides[i - 1].title
    assert next(b for b in at.button if b.label == "Previous").disabled


def test_a_slide_of_the_link_opens_and_says_where_it_comes_from():
    lecture = LE.load(LE.path_of(LE.DEFAULT))
    n = next(i for i, s in enumerate(lecture.slides, 1) if s.page == "algorithm" and s.state.get("step") == "8")
    at = open_lecture({"slide": str(n)})
    assert title(at) == lecture.slides[n - 1].title
    assert source_page(at) == "Algorithm 1, step by step"
    assert "(algorithm?step=8&batch=1_10~3_20~5_60&gamma=3_0.25)" in text_of(at.caption, raw=True).replace("%7E", "~")
    assert [e.label for e in at.expander][-1] == "Speaker notes"


def write_lecture(folder, text, monkeypatch, name="bn"):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv(LE.LECTURES_ENV, str(folder))


def test_a_bad_entry_is_named_and_the_good_ones_still_play(tmp_path, monkeypatch):
    write_lecture(
        tmp_path / "lectures",
        '[[slide]]\npage = "home"\ntitle = "One"\n\n[[slide]]\npage = "algorithms"\ntitle = "Two"\n\n'
        '[[slide]]\npage = "practice"\ntitle = "Three"\nstate = { section = "batch-size-99" }\n',
        monkeypatch,
    )
    at = open_lecture()
    assert [e.label for e in at.expander][0] == "1 problem in bn.toml: the entries they name are left out"
    assert "bn.toml, slide 2: field 'page' must be one of" in text_of(at.markdown)
    assert title(at) == "One"
    press(at, "Next")
    assert title(at) == "Three"
    assert "bn.toml, slide 3, field 'state': section=batch-size-99" in text_of(at.warning)


def test_a_file_that_is_not_toml_is_a_message_and_the_app_keeps_working(tmp_path, monkeypatch):
    write_lecture(tmp_path / "lectures", '[[slide]]\npage = "home\n', monkeypatch)
    at = open_lecture()
    assert "bn.toml: not valid TOML (" in text_of(at.markdown) and "line 2" in text_of(at.markdown)
    assert "has no slide to show" in text_of(at.info)
    at.switch_page("pages/algorithm.py").run()
    assert not at.exception and title(at) == "Algorithm 1, step by step"


def test_another_lecture_by_name_and_a_bad_name_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "lectures"
    write_lecture(folder, '[[slide]]\npage = "code"\ntitle = "Mine"\nstate = { slide = 2 }\n', monkeypatch, "mine")
    (folder / "bn.toml").write_text('[[slide]]\npage = "home"\ntitle = "Default"\n')
    assert open_lecture({"lecture": "mine"}).title[0].value == "Mine"
    at = open_lecture({"lecture": "../../etc/passwd"})
    assert "lecture=../../etc/passwd" in text_of(at.warning) and title(at) == "Default"


@pytest.mark.parametrize("moment", ["graph", "scale", "batch-mates"])
def test_the_lecture_shows_classroom_moments_as_their_presenter_view_does(moment):
    lecture = LE.load(LE.path_of(LE.DEFAULT))
    n = next(i for i, s in enumerate(lecture.slides, 1) if s.page == "moments" and s.state.get("moment") == moment)
    at = open_lecture({"slide": str(n)})
    assert title(at) == lecture.slides[n - 1].title
    assert source_page(at) == "Classroom moments"
    link = text_of(at.caption, raw=True).replace("%7E", "~")
    assert f"(moments?moment={moment}" in link and "present=1" not in link
    if moment == "graph":  # Section 2's warning: the switch and the growing bias, on the lecture's batch
        assert "part=6" in link and "batch=1_10~3_20~5_60" in link
        assert any("constants" in t.label for t in at.toggle)
