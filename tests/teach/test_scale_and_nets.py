"""Scale invariance (bnviz.teach.scale_invariance), batch-mates (batch_mates), folding BN away (folding) and the
quickly trained networks behind them (trained): against autograd, against the layers' own train and eval
modes, and the folded networks against the eval-mode BN networks to 1e-5."""

import copy

import pytest
import torch
from harness import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bnviz import data
from bnviz.live.threads import use_training_threads
from bnviz.teach import batch_mates as B
from bnviz.teach import folding as F
from bnviz.teach import scale_invariance as SI
from bnviz.teach import toybatch as T
from bnviz.teach import trained as TR
from bnviz.train.models import CifarCNN, MnistMLP


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """As the app runs these (one torch thread per process): tiny networks, slower with a thread pool."""
    use_training_threads()


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(3, 12), st.integers(1, 4), st.integers(0, 1000), st.sampled_from(SI.A_VALUES))
@example(m=3, d=1, seed=176, a=0.1)  # inputs 7.03, 6.92, 7.13: σ_z small against the mean, rounding large
def test_scaling_the_weights_keeps_y_and_divides_the_gradient_by_a(m, d, seed, a):
    x = T.random_batch(m, d, seed) + torch.linspace(0, 3, m, dtype=torch.float64)[:, None]
    weight, w = SI.toy_layer(m, d, seed)
    base, here = SI.scaled(x, weight, w, 1.0, 0.0), SI.scaled(x, weight, w, a, 0.0)  # ε = 0: exactly invariant
    assert torch.allclose(here.y, base.y, atol=1e-9)
    assert torch.allclose(here.grad * a, base.grad, atol=1e-9 * (1 + base.grad.abs().max().item()))
    # abs: the rounding of a step is relative to its natural size ‖x‖‖w‖ / (σ_z ‖W‖), not to the step itself,
    # which is 0 in exact arithmetic with one input feature (all 280,280 cases of this domain: under 3e-15 of it)
    natural = x.norm().item() * w.norm().item() / ((x @ weight).std(0, correction=0).min().item() * base.weight_norm)
    assert here.relative_step * a**2 == pytest.approx(base.relative_step, rel=1e-9, abs=1e-9 * natural)
    assert abs(here.grad_dot_weight) <= 1e-9 * (1 + here.grad_norm * here.weight_norm)  # ∂ℓ/∂W ⟂ W


def test_the_gradient_matches_autograd():
    x = T.DEFAULT_BATCH
    weight, w = SI.toy_layer(6, 3, 0)
    wa = (2.0 * weight).requires_grad_(True)
    z = x @ wa
    y = (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + 1e-5)
    (y * w).sum().backward()
    assert torch.allclose(SI.scaled(x, weight, w, 2.0, 1e-5).grad, wa.grad, atol=1e-10)


def test_training_at_scale_a_is_training_at_scale_1_with_rate_over_a_squared():
    for a in (0.1, 10.0):
        scaled, plain = SI.train(a, 0.1, 60, eps=0.0), SI.train(1.0, 0.1 / a**2, 60, eps=0.0)
        assert max(abs(u - v) for u, v in zip(scaled.loss, plain.loss)) < 1e-9
    slow, fast = SI.train(10.0, 0.1, 60), SI.train(0.1, 0.1, 60)
    assert fast.loss[-1] < slow.loss[-1] < slow.loss[0]  # same start, a = 0.1 ahead, a = 10 barely moved


# ----------------------------------------------------------------------------- trained networks


@pytest.fixture(scope="module")
def mlp(one_thread) -> TR.Trained:
    return TR.train_mlp(data.synthetic("synthetic-mnist"), steps=40)


@pytest.fixture(scope="module")
def cnn(one_thread) -> TR.Trained:
    return TR.train_cnn(data.synthetic("synthetic-cifar10"), steps=15)


def test_quick_training_leaves_eval_mode_and_says_what_it_trained(mlp, cnn):
    assert not mlp.model.training and not cnn.model.training
    assert "300" not in mlp.description and "40 SGD steps" in mlp.description
    assert mlp.data_source == "synthetic" and len(cnn.test_y) == TR.CNN_TEST // 4  # synthetic CIFAR holds 500
    assert mlp.test_accuracy > 0.5  # well above chance (0.1), even after 40 steps
    assert mlp.model.norms[0].num_batches_tracked.item() == 40


def test_mlp_logits_match_the_layers_train_and_eval_modes(mlp):
    x = mlp.test_x[:64]
    mlp.model.eval()
    assert torch.allclose(B.mlp_logits(mlp.model, x, None), mlp.model(x), atol=1e-5)
    twin = copy.deepcopy(mlp.model).train()
    with torch.no_grad():
        assert torch.allclose(B.mlp_logits(mlp.model, x, B.one_batch(64)), twin(x), atol=1e-5)
    before = [n.running_mean.clone() for n in mlp.model.norms]
    B.mlp_logits(mlp.model, x, B.one_batch(64))
    assert all(torch.equal(a, n.running_mean) for a, n in zip(before, mlp.model.norms))  # nothing moved


def test_many_test_batches_at_once_equal_one_at_a_time(mlp):
    x = mlp.test_x[:50]
    batches = B.test_batches(50, 8)
    assert batches.tolist()[-3:] == [5, 6, 6] and int(batches.max()) == 6  # a last rest of 2 is its own batch
    assert B.test_batches(49, 8).tolist()[-2:] == [5, 5]  # a rest of one joins the batch before it
    together = B.mlp_logits(mlp.model, x, batches)
    for k in range(7):
        part = batches == k
        alone = B.mlp_logits(mlp.model, x[part], B.one_batch(int(part.sum())))
        assert torch.allclose(together[part], alone, rtol=1e-4, atol=1e-4)  # float32, summed in another order


def test_an_images_output_depends_on_its_batch_mates_only_in_training_mode(mlp):
    among, eval_probs = B.among_mates(mlp.model, mlp.test_x, mlp.test_y, 3, 16, 0, 2)
    assert [a.kind for a in among] == list(B.KINDS)
    assert max((a.probs - b.probs).abs().max().item() for a in among for b in among) > 1e-3
    assert (mlp.test_y[among[1].mates] == 2).all() and len(among[2].mates) == 0 and 3 not in among[0].mates
    alone = torch.softmax(B.mlp_logits(mlp.model, mlp.test_x[3:4], None)[0], 0)
    assert torch.allclose(eval_probs, alone)  # eval mode: the image's own output, whoever its mates


def test_forgetting_eval_at_batch_1_gives_every_image_the_same_output(mlp):
    x = mlp.test_x[:20]
    out = B.mlp_logits(mlp.model, x, B.test_batches(20, 1))
    assert torch.allclose(out, out[:1].expand_as(out))
    majority = torch.bincount(mlp.test_y, minlength=10)[int(out[0].argmax())].item() / len(mlp.test_y)
    assert B.accuracy(mlp.model, mlp.test_x, mlp.test_y, 1) == pytest.approx(majority)
    accs = B.accuracy_by_batch_size(mlp.model, mlp.test_x, mlp.test_y, (1, 64))
    assert accs[1] < accs[64]


def test_most_moved_picks_the_candidate_whose_output_moves_most(mlp):
    pick = B.most_moved(mlp.model, mlp.test_x, mlp.test_y, range(12), 16, 0)

    def spread(i):
        among, _ = B.among_mates(mlp.model, mlp.test_x, mlp.test_y, i, 16, 0, (int(mlp.test_y[i]) + 1) % 10)
        return max((a.probs - b.probs).abs().max().item() for a in among for b in among)

    assert spread(pick) == pytest.approx(max(spread(i) for i in range(12)), abs=1e-5)


def test_folded_networks_equal_the_eval_mode_bn_networks_to_1e_5(mlp, cnn):
    for net in (mlp, cnn):
        folded = F.fold(net.model)
        assert F.max_difference(net.model, folded, net.test_x) <= 1e-5
        assert all(not isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in folded.modules())
        params, buffers = F.count(folded)
        assert buffers == 0 and params < F.count(net.model)[0]


def test_folding_a_layer_with_a_bias_and_torchs_bn():
    torch.manual_seed(0)
    model = MnistMLP(norm="torch", bias=True, hidden=(20, 20))
    model.train()
    for _ in range(5):
        model(torch.randn(32, 784))
    model.eval()
    with torch.no_grad():
        for norm in model.norms:
            norm.weight.uniform_(0.5, 2.0)
            norm.bias.normal_()
    x = torch.randn(100, 784)
    assert F.max_difference(model, F.fold(model), x) <= 1e-5


def test_only_bn_before_the_nonlinearity_folds():
    with pytest.raises(ValueError, match="before the nonlinearity"):
        F.fold(MnistMLP(norm="bnviz", position="after"))
    with pytest.raises(ValueError, match="before the nonlinearity"):
        F.fold(CifarCNN(norm="none", channels=(4,)))


def test_a_fold_from_one_batchs_statistics_fails_on_the_next_batch():
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(120, 5, generator=gen, dtype=torch.float64) * 3 + 1
    tried = F.fold_with_batch(
        z[:60], z[60:], torch.ones(5, dtype=torch.float64), torch.zeros(5, dtype=torch.float64), 1e-5
    )
    assert tried.same_batch < 1e-12 and tried.other_batch > 1e-2


def test_timing_measures_both_networks_interleaved(mlp):
    t = F.time_inference(mlp.model, F.fold(mlp.model), mlp.test_x[:50], repeats=3)
    assert t.batch == 50 and t.repeats == 3 and t.bn_seconds > 0 and t.folded_seconds > 0
