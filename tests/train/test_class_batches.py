"""Non-i.i.d. training batches (bnviz.train.batches.ClassBatches): one class per batch, seeded, reshuffled each epoch."""

import pytest
import torch

from bnviz.train.batches import ClassBatches

# 3 classes of 25, 12 and 7 examples, interleaved as a dataset would hold them
LABELS = torch.tensor([0, 1, 0, 2] * 7 + [0, 1] * 5 + [0] * 6)


def one_epoch(sampler):
    return [sampler.next() for _ in range(sampler.batches_per_epoch)]


def test_every_batch_holds_one_class_and_batch_size_examples():
    sampler = ClassBatches(LABELS, 5, torch.Generator().manual_seed(0))
    batches = [sampler.next() for _ in range(40)]  # several epochs
    assert all(len(b) == 5 and len(set(LABELS[b].tolist())) == 1 for b in batches)


def test_an_epoch_serves_each_class_in_proportion_each_example_at_most_once():
    sampler = ClassBatches(LABELS, 5, torch.Generator().manual_seed(0))
    assert sampler.batches_per_epoch == 25 // 5 + 12 // 5 + 7 // 5  # 5 + 2 + 1
    epoch = one_epoch(sampler)
    seen = torch.cat(epoch).tolist()
    assert len(seen) == len(set(seen)) == 40
    assert sorted(int(LABELS[b[0]]) for b in epoch) == [0] * 5 + [1] * 2 + [2]
    assert [int(LABELS[b[0]]) for b in epoch] != [0] * 5 + [1] * 2 + [2], "batch order shuffled, not class by class"


def test_the_same_seed_gives_the_same_batches_and_each_epoch_is_reshuffled():
    a = ClassBatches(LABELS, 4, torch.Generator().manual_seed(3))
    b = ClassBatches(LABELS, 4, torch.Generator().manual_seed(3))
    c = ClassBatches(LABELS, 4, torch.Generator().manual_seed(4))
    first, again, other = one_epoch(a), one_epoch(b), one_epoch(c)
    assert all(torch.equal(x, y) for x, y in zip(first, again))
    assert not all(torch.equal(x, y) for x, y in zip(first, other))
    second = one_epoch(a)
    groups = [{frozenset(x.tolist()) for x in epoch} for epoch in (first, second)]
    assert groups[0] != groups[1], "each class reshuffled: new examples grouped together, not only a new batch order"
    assert sorted(int(LABELS[x[0]]) for x in second) == sorted(int(LABELS[x[0]]) for x in first)


def test_a_batch_larger_than_the_number_of_classes_still_holds_one_class():
    sampler = ClassBatches(LABELS, 10, torch.Generator().manual_seed(0))  # 10 > 3 classes
    epoch = one_epoch(sampler)
    assert [len(set(LABELS[b].tolist())) for b in epoch] == [1] * 3  # 25 // 10 + 12 // 10 + 7 // 10


def test_a_class_smaller_than_the_batch_never_appears():
    sampler = ClassBatches(LABELS, 8, torch.Generator().manual_seed(0))  # class 2 has 7 examples
    labels_seen = {int(LABELS[sampler.next()[0]]) for _ in range(30)}
    assert labels_seen == {0, 1}


def test_a_batch_larger_than_every_class_is_refused():
    with pytest.raises(ValueError, match="larger than every class"):
        ClassBatches(LABELS, 26, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="positive whole number"):
        ClassBatches(LABELS, 0, torch.Generator().manual_seed(0))
