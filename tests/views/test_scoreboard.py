""" "Why does BN work?" on one screen: each claim without its citations, our verdict as the tally of its
verdicts, and the caveat: the first verdict that goes against the rest, or a knife edge."""

from bnviz import experiments
from bnviz.views import scoreboard as B
from bnviz.views.verdicts import Verdict


def test_a_claim_loses_its_citations_and_keeps_its_words():
    claim = (
        "BN makes the landscape smoother: along the gradient the loss varies less (Santurkar, Tsipras, Ilyas & Mądry "
        "2018, [arXiv:1805.11604](https://arxiv.org/abs/1805.11604), Section 3.1, Figure 4); the paper says (so) too "
        "(Ioffe & Szegedy 2015, Section 2)."
    )
    assert B.short_claim(claim) == (
        "BN makes the landscape smoother: along the gradient the loss varies less; the paper says (so) too."
    )
    for name in experiments.on_page("why"):  # every shipped claim keeps some words and loses every link
        short = B.short_claim(experiments.get(name).claim)
        assert len(short) > 30 and "arxiv.org" not in short


def test_the_verdict_is_the_tally_and_the_caveat_goes_against_the_rest():
    v = [
        Verdict("A holds", "supports"),
        Verdict("A note", "context"),
        Verdict("B holds", "contradicts"),
        Verdict("C holds", "supports"),
    ]
    row = B.row("x", "X", "The claim (Someone 2018).", v)
    assert row.claim == "The claim." and row.tally == {"supports": 2, "contradicts": 1}
    assert row.word == "mixed: 2 of 3 supported" and row.verdict(icons=False) == "mixed: 2 of 3 supported (✓ 2 ✕ 1)"
    assert "B holds (does not hold)" in row.caveat and ":red[:material/cancel:]" in row.caveat


def test_all_one_way_knife_edges_and_nothing_run():
    assert B.row("x", "X", "c", [Verdict("a", "supports")] * 2).word == "supported"
    assert B.row("x", "X", "c", [Verdict("a", "contradicts")]).word == "contradicted"
    assert B.row("x", "X", "c", [Verdict("a", "within_noise")]).word == "cannot tell (seed spread)"
    edge = B.row("x", "X", "c", [Verdict("a", "supports", margin=0.01, scale=1.0)])
    assert edge.word == "supported" and "a knife edge" in edge.caveat
    nothing = B.row("x", "X", "c", None)
    assert nothing.word == B.NOT_RUN and nothing.caveat == ""


def test_the_table_links_each_claim_and_escapes_its_pipes():
    table = B.markdown_table([B.row("ics", "ICS", "a | b", [Verdict("v", "supports")])], lambda n: f"#{n}")
    assert table.splitlines()[2].startswith("| [ICS](#ics): a \\| b. | supported")
