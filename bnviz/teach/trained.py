"""Two small networks with BN, trained quickly for the moments that need a trained network (batch-mates, folding).

Not an experiment: a few hundred plain SGD steps, enough for real running averages and a network
that classifies well above chance, trained on first use. :class:`Trained` says what each is, on
what data and how far it got, so the page can say so beside every number it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from bnviz import data
from bnviz.train.models import CifarCNN, MnistMLP

MLP_STEPS, MLP_BATCH, MLP_LR = 300, 60, 0.5  # the paper's MNIST network (Section 4.1): batch 60; lr as our runs
CNN_STEPS, CNN_BATCH, CNN_LR, CNN_MOMENTUM = 200, 64, 0.05, 0.9
CNN_CHANNELS = (8, 16)  # much smaller than the experiments' CNN: trains in seconds
CNN_TEST = 2000  # the CNN is tested on the first 2,000 test images (10,000 as float32 would take 123 MB)


@dataclass
class Trained:
    model: nn.Module  # in eval mode; callers that switch it must switch it back
    name: str  # "mlp" | "cnn"
    description: str  # one sentence: architecture, steps, batch size, learning rate
    data_label: str  # where the data came from (bnviz.data provenance label)
    data_source: str  # "official" | "non-official" | "synthetic"
    test_x: Tensor  # float32 model inputs of the test split (the CNN's first CNN_TEST), (N, 784) or (N, 3, 32, 32)
    test_y: Tensor  # (N,) int64
    test_images: Tensor  # uint8 images of the test split, for showing them
    test_accuracy: float  # eval mode, over test_x


def inputs(dataset: data.Dataset, x_uint8: Tensor) -> Tensor:
    """Model inputs: the paper's binary MNIST images, or normalized CIFAR-10."""
    return data.mnist_inputs(x_uint8, binarize=True) if dataset.name == "mnist" else data.cifar_inputs(x_uint8)


def accuracy(model: nn.Module, x: Tensor, y: Tensor, chunk: int = 1000) -> float:
    """Eval-mode accuracy over ``x`` (the model is left in eval mode)."""
    model.eval()
    with torch.no_grad():
        right = sum(
            (model(x[i : i + chunk]).argmax(1) == y[i : i + chunk]).sum().item() for i in range(0, len(y), chunk)
        )
    return right / len(y)


def _sgd(model: nn.Module, dataset: data.Dataset, steps: int, batch: int, lr: float, momentum: float, seed: int):
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    model.train()
    for _ in range(steps):
        idx = torch.randint(len(dataset.train_y), (batch,), generator=gen)
        loss = nn.functional.cross_entropy(model(inputs(dataset, dataset.train_x[idx])), dataset.train_y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()


def _trained(model: nn.Module, name: str, description: str, dataset: data.Dataset, test: int | None = None) -> Trained:
    images, labels = dataset.test_x[:test], dataset.test_y[:test]
    test_x = inputs(dataset, images)
    return Trained(
        model,
        name,
        description,
        dataset.provenance.label,
        dataset.provenance.source,
        test_x,
        labels,
        images,
        accuracy(model, test_x, labels),
    )


def train_mlp(dataset: data.Dataset, steps: int = MLP_STEPS, seed: int = 0) -> Trained:
    """The paper's MNIST network (784-100-100-100-10, sigmoid, BN before each nonlinearity), plain SGD."""
    if dataset.name != "mnist":
        raise ValueError(f"the MLP trains on MNIST, not {dataset.name}")
    torch.manual_seed(seed)
    model = MnistMLP(norm="bnviz")
    _sgd(model, dataset, steps, MLP_BATCH, MLP_LR, 0.0, seed)
    description = (
        f"the paper's MNIST network (784-100-100-100-10, sigmoid, BN before each nonlinearity) after {steps} "
        f"SGD steps of {MLP_BATCH} images at learning rate {MLP_LR}"
    )
    return _trained(model, "mlp", description, dataset)


def train_cnn(dataset: data.Dataset, steps: int = CNN_STEPS, seed: int = 0) -> Trained:
    """A small CIFAR-10 CNN (conv-BN-ReLU-pool x 2, FC-BN-ReLU, FC), SGD with momentum, no augmentation."""
    if dataset.name != "cifar10":
        raise ValueError(f"the CNN trains on CIFAR-10, not {dataset.name}")
    torch.manual_seed(seed)
    model = CifarCNN(norm="bnviz", channels=CNN_CHANNELS)
    _sgd(model, dataset, steps, CNN_BATCH, CNN_LR, CNN_MOMENTUM, seed)
    description = (
        f"a small CIFAR-10 CNN ({' and '.join(map(str, CNN_CHANNELS))} feature maps, BN after every conv and "
        f"the hidden FC layer) after {steps} SGD steps of {CNN_BATCH} images at learning rate {CNN_LR}, "
        f"momentum {CNN_MOMENTUM}; tested on the first {CNN_TEST:,} test images"
    )
    return _trained(model, "cnn", description, dataset, CNN_TEST)
