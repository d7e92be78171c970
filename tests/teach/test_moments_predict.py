"""The moments page's URL state (bnviz.teach.moments) and predict-then-reveal (bnviz.teach.predict)."""

from dataclasses import replace
from urllib.parse import parse_qs, urlencode

import pytest
import torch
from harness import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.teach import moments as M
from bnviz.teach import predict as P
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T
from bnviz.teach import url_state as U


def browser(params: dict[str, str]) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlencode(params), keep_blank_values=True).items()}


@settings(max_examples=examples(200), deadline=None)
@given(
    st.sampled_from(M.screens()),
    st.sampled_from([None, True, False]),
    st.none()
    | st.integers(2, 8).flatmap(
        lambda m: st.lists(st.lists(st.integers(-50, 50), min_size=2, max_size=2), min_size=m, max_size=m)
    ),
    st.booleans(),
)
def test_format_then_parse_gives_the_same_state(screen, predict, rows, present):
    batch = U.UrlState(
        batch=None if rows is None else tuple(tuple(float(v) / 4 for v in r) for r in rows), present=present
    )
    state = M.MomentsState(moment=screen[0], part=screen[1], predict=predict, batch=batch)
    params = M.to_params(state)
    assert "step" not in params
    assert M.parse(browser(params)) == (state, [])


@settings(max_examples=examples(200), deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*M.MOMENT_KEYS, *M.BATCH_KEYS, "step"]) | st.text(max_size=10),
        st.text(max_size=30).map(lambda s: s + "!"),
        max_size=8,
    )
)
def test_junk_yields_defaults_and_a_message_per_part(params):
    state, ignored = M.parse(params)
    assert state.moment == M.MOMENTS[0].slug and state.part == 1 and state.predict is None
    assert len(ignored) == len([k for k in params if k != "from"])


def test_a_link_from_a_step_opens_its_moment_on_that_batch():
    x = torch.tensor([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]], dtype=torch.float64)
    gamma, beta = T.default_affine(2)
    step = U.state_of(8, x, gamma * 3, beta, 1e-3, "sum of y", 5, 7, present=True)
    params = M.link("closed-form", step)
    assert params["from"] == "step" and params["batch"] == "1_10~3_20~5_60" and params["present"] == "1"
    state, ignored = M.parse(browser(params))
    assert ignored == [] and state.moment == "closed-form" and state.present
    assert torch.equal(state.batch.batch_tensor(), x) and state.batch.loss == "sum of y" and state.batch.seed == 7
    assert [(m.slug, part) for m, part in M.for_step(8)] == [("graph", 5), ("closed-form", 1), ("predict", 4)]
    assert all(M.for_step(s) for s in range(1, U.N_STEPS + 1) if s not in (4,))
    assert M.link("graph", step, 3)["part"] == "3"
    for moment in M.MOMENTS:  # every link opens an existing part
        assert all(1 <= part <= len(moment.parts) for part in moment.steps.values())


def test_the_keys_walk_every_screen_and_stop_at_the_ends():
    state = M.MomentsState()
    seen = [(state.moment, state.part)]
    for _ in range(len(M.screens()) + 2):
        state = M.moved(state, 1)
        seen.append((state.moment, state.part))
    assert seen[: len(M.screens())] == M.screens() and seen[-1] == M.screens()[-1]
    assert M.moved(M.MomentsState(), -1) == M.MomentsState()


def test_predicting_is_off_in_the_presenter_view_unless_switched_on():
    plain, presenting = M.MomentsState(), M.MomentsState(batch=replace(U.DEFAULT, present=True))
    assert plain.predicting() and not presenting.predicting()
    assert replace(presenting, predict=True).predicting() and not replace(plain, predict=False).predicting()


def prompts(batch=T.DEFAULT_BATCH):
    gamma, beta = T.default_affine(batch.shape[1])
    return {
        p.key: p
        for p in P.prompts(S.walk(batch, gamma, beta, 1e-5, "random w", 0), ("with BN", "why"), (0.1135, "net"))
    }


def test_every_prompt_has_its_computed_answer():
    p = prompts()
    assert [k for k in p] == ["mean", "var", "constant", "sum-dx", "bessel", "fig1", "eval-forgotten"]
    assert len(p) == len(M.BY_SLUG["predict"].parts)
    assert p["mean"].answer == pytest.approx(5.0) and p["var"].answer == pytest.approx(
        T.DEFAULT_BATCH[:, 0].var(unbiased=False).item()
    )
    assert p["constant"].answer == 0 and p["sum-dx"].answer == 0.0 and p["bessel"].answer == pytest.approx(6 / 5)
    assert p["fig1"].answer == "with BN" and p["eval-forgotten"].answer == 0.1135
    other = prompts(torch.tensor([[1.0], [2.0], [4.0]], dtype=torch.float64))
    assert other["mean"].answer == pytest.approx(7 / 3) and other["bessel"].answer == pytest.approx(1.5)
    unknown = P.prompts(S.walk(T.DEFAULT_BATCH, *T.default_affine(3), 1e-5, "random w", 0), None, None)
    assert unknown[5].answer is None and "bnviz run mnist-fig1" in unknown[5].explanation


def test_judge_says_how_far_off_a_guess_was():
    p = prompts()
    assert P.judge(p["mean"], 5.0).startswith("You guessed 5: spot on")
    assert P.judge(p["mean"], 4.0) == "You guessed 4; it is 5: off by 1 (20% of it)."
    assert "off by 0.5" in P.judge(p["constant"], 0.5)
    assert P.judge(p["fig1"], "with BN") == "You chose with BN: right."
    assert P.judge(p["fig1"], "without BN").endswith("the answer is with BN.")
    assert P.judge(p["eval-forgotten"], 90) == "You guessed 90%; it is 11.3%: off by 78.6% (693% of it)."


def test_fig1_winner_reads_the_recorded_runs():
    def run(norm, acc):
        return {"config": {"norm": norm}, "records": [{"step": 0, "test/acc": 0.1}, {"step": 9, "test/acc": acc}]}

    result = {
        "runs": [run("bnviz", 0.98), run("bnviz", 0.975), run("none", 0.97), run("none", 0.972)],
        "data": {"label": "MNIST"},
    }
    winner, why = P.fig1_winner(result)
    assert winner == "with BN" and "97.50%" in why and "MNIST" in why
    result["runs"][2] = run("none", 0.979)
    assert P.fig1_winner(result)[0] == "about the same"
    assert P.fig1_winner({"runs": [run("none", 0.9)]}) is None
