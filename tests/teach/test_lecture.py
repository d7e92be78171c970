"""A lecture file: the default one plays, and every problem in a bad one names the file, the entry and the field,
while its good entries are kept."""

import pytest

from bnviz.teach import cube_links as C
from bnviz.teach import lecture as LE
from bnviz.teach import url_state as U


def write(tmp_path, text, name="talk.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_lecture_is_about_fifty_minutes_across_at_least_five_pages():
    lecture = LE.load(LE.path_of(LE.DEFAULT))
    assert lecture.problems == ()
    assert 45 <= lecture.minutes <= 60, lecture.minutes
    assert len({s.page for s in lecture.slides}) >= 5
    assert sum(s.page == "activations" for s in lecture.slides) <= 1  # its URL state is being reworked
    for s in lecture.slides:  # every step-through and cube state in it is one the pages read without a complaint
        if s.page == "algorithm":
            assert U.parse(s.state)[1] == [], (s.entry, s.state)
        if s.page == "norm_sets":
            assert C.parse(s.state)[1] == [], (s.entry, s.state)


def test_a_slide_reads_its_fields(tmp_path):
    lecture = LE.load(
        write(
            tmp_path,
            'title = "T"\n[[slide]]\npage = "algorithm"\nstate = { step = 8, gamma = "3_0.25", present = true }\n'
            'title = "Backward"\nminutes = 2.5\nnotes = """Say this."""\n',
        )
    )
    assert lecture.problems == () and lecture.title == "T"
    assert lecture.slides == (
        LE.Slide("algorithm", "Backward", {"step": "8", "gamma": "3_0.25", "present": "1"}, 2.5, "Say this.", 1),
    )


@pytest.mark.parametrize(
    "entry, field",
    [
        ('page = "nowhere"\ntitle = "x"', "field 'page' must be one of"),
        ('title = "x"', "field 'page' must be one of"),
        ('page = "home"', "field 'title' must be non-empty text"),
        ('page = "home"\ntitle = "x"\nstate = 3', "field 'state' must be a table"),
        ('page = "home"\ntitle = "x"\nstate = { step = [1, 2] }', "field 'state.step' must be text or a number"),
        ('page = "home"\ntitle = "x"\nminutes = -1', "field 'minutes' must be a number of minutes"),
        ('page = "home"\ntitle = "x"\nnotes = 5', "field 'notes' must be text"),
        ('page = "home"\ntitle = "x"\nspeaker = "me"', "unknown field 'speaker'"),
    ],
)
def test_a_bad_entry_names_the_file_the_entry_and_the_field_and_the_good_ones_stay(tmp_path, entry, field):
    good = '[[slide]]\npage = "home"\ntitle = "Good"\n'
    lecture = LE.load(write(tmp_path, f"{good}[[slide]]\n{entry}\n{good}"))
    assert [s.entry for s in lecture.slides] == [1, 3]
    assert len(lecture.problems) == 1 and lecture.problems[0].startswith("talk.toml, slide 2: "), lecture.problems
    assert field in lecture.problems[0]


def test_a_file_that_is_not_toml_says_where(tmp_path):
    lecture = LE.load(write(tmp_path, '[[slide]]\npage = "home\n'))
    assert lecture.slides == () and lecture.problems[0].startswith("talk.toml: not valid TOML (")
    assert "line 2" in lecture.problems[0]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "talk.toml: no [[slide]] entries."),
        ("slide = 3", "talk.toml: 'slide' must be a list of [[slide]] entries."),
        ("title = 3\n[[slide]]\npage = 'home'\ntitle = 'x'", "talk.toml: the field 'title' at the top must be text."),
        ("author = 'me'\n[[slide]]\npage = 'home'\ntitle = 'x'", "talk.toml: unknown field 'author' at the top"),
    ],
)
def test_a_bad_file_says_what_is_wrong_with_it(tmp_path, text, problem):
    assert LE.load(write(tmp_path, text)).problems[0].startswith(problem)


def test_a_missing_huge_or_binary_file_is_a_message_not_a_traceback(tmp_path):
    assert LE.load(tmp_path / "gone.toml").problems == ("gone.toml: no such file.",)
    big = write(tmp_path, "#" * (LE.MAX_BYTES + 1), "big.toml")
    assert "not read" in LE.load(big).problems[0]
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00")
    assert "cannot be read" in LE.load(tmp_path / "bin.toml").problems[0]


def test_a_lecture_is_named_by_a_file_stem_only(tmp_path, monkeypatch):
    monkeypatch.setenv(LE.LECTURES_ENV, str(tmp_path))
    write(tmp_path, "", "mine.toml")
    write(tmp_path, "", "bn.toml")
    assert LE.available() == ["bn", "mine"] and LE.path_of("mine") == tmp_path / "mine.toml"
    for bad in ("../etc/passwd", "a/b", "", "x" * 65):
        with pytest.raises(ValueError):
            LE.path_of(bad)
