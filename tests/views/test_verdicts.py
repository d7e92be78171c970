"""A verdict is data: its icon and sentence follow its outcome (never the yes/no of a question), and a
margin within 5% of its scale says it is a knife edge."""

import pytest

from bnviz.views.verdicts import ICON, OUTCOMES, SYMBOL, Verdict, line, markdown_icon, outcome_of


@pytest.mark.parametrize(
    "outcome, icon, says",
    [
        ("supports", ":green[:material/check_circle:]", "our runs support this"),
        ("contradicts", ":red[:material/cancel:]", "our runs contradict this"),
        ("within_noise", ":orange[:material/contrast:]", "our runs cannot tell, within the seed spread"),
    ],
)
def test_the_icon_and_the_sentence_follow_the_outcome(outcome, icon, says):
    v = Verdict("Forgetting eval() at batch 1,000 costs no accuracy", outcome, "97.1% against 97.2%")
    assert markdown_icon(v.outcome) == icon
    assert v.text == f"Forgetting eval() at batch 1,000 costs no accuracy: {says} (97.1% against 97.2%)."
    assert line(v).startswith(SYMBOL[outcome] + " ")


def test_every_outcome_has_one_icon_and_one_symbol_and_they_differ():
    assert set(ICON) == set(SYMBOL) == set(OUTCOMES)
    assert len({ICON[o] for o in OUTCOMES}) == len({SYMBOL[o] for o in OUTCOMES}) == len(OUTCOMES)


def test_a_note_is_context_and_says_no_outcome():
    v = Verdict("One seed per arm", evidence="a single run cannot tell a real difference from noise")
    assert v.outcome == "context" and "support" not in v.text and markdown_icon(v.outcome).startswith(":gray[")


@pytest.mark.parametrize("outcome", ["yes", True, "holds", ""])
def test_an_outcome_that_is_not_one_of_the_four_is_refused(outcome):
    with pytest.raises(ValueError, match="outcome is one of"):
        Verdict("A claim", outcome)


def test_a_margin_within_five_percent_of_its_scale_is_a_knife_edge():
    edge = Verdict("BN's best rate is larger", "supports", "96.08% vs 96.07%", margin=0.01, scale=2.02, unit=" points")
    assert (
        edge.knife_edge and "A knife edge: the deciding margin, +0.01 points, is within 5% of 2.02 points" in edge.text
    )
    clear = Verdict("BN's best rate is larger", "supports", margin=0.5, scale=2.02, unit=" points")
    assert not clear.knife_edge and "knife" not in clear.text
    assert edge.to_dict()["knife_edge"] is True and clear.to_dict()["knife_edge"] is False


def test_a_note_is_never_a_knife_edge():
    assert not Verdict("Context", margin=0.0, scale=1.0).knife_edge


@pytest.mark.parametrize(
    "holds, clear, outcome",
    [(True, True, "supports"), (False, True, "contradicts"), (True, False, "within_noise"), (None, True, "context")],
)
def test_outcome_of_a_claim_and_how_clear_its_difference_is(holds, clear, outcome):
    assert outcome_of(holds, clear) == outcome
