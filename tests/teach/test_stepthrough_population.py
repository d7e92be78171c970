"""Algorithm 2 on the step-through page: with many batches the averages settle where the lesson says."""

import torch

from bnviz.teach import step_views, stepthrough

X = torch.tensor([[0.1, 3.0], [0.2, -1.0], [0.7, 2.5], [0.3, 0.25], [0.9, 1.0]], dtype=torch.float64)
ONES, ZEROS = torch.ones(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)


def population_table(k: int):
    w = stepthrough.walk(X, ONES, ZEROS, 1e-5, next(iter(stepthrough.LOSSES)), seed=0)
    inf = stepthrough.inference_demo(X, ONES, ZEROS, 1e-5, k=k, seed=0)
    return inf, step_views.step_view(9, w, inf).per_feature


def test_with_many_batches_the_biased_average_settles_on_m_minus_1_over_m_of_the_true_variance():
    inf, table = population_table(1000)
    m = X.shape[0]
    assert torch.allclose(inf.true_var, X.var(0, unbiased=False)) and torch.allclose(inf.true_mean, X.mean(0))
    biased = table.loc["E_B[σ²_B] / true variance (tends to (m−1)/m)"]
    unbiased = table.loc["Var[x] / true variance (tends to 1)"]
    assert ((biased - (m - 1) / m).abs() < 0.05).all()  # 1000 batches of 5: the mean is within ~0.02
    assert ((unbiased - 1).abs() < 0.06).all()


def test_a_constant_feature_has_no_ratio_rather_than_a_division_by_zero():
    x = X.clone()
    x[:, 1] = 2.0
    w = stepthrough.walk(x, ONES, ZEROS, 1e-5, next(iter(stepthrough.LOSSES)), seed=0)
    inf = stepthrough.inference_demo(x, ONES, ZEROS, 1e-5, k=10, seed=0)
    table = step_views.step_view(9, w, inf).per_feature
    assert table.loc["Var[x] / true variance (tends to 1)"].isna().tolist() == [False, True]
