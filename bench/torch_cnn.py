#!/usr/bin/env python3
"""Times one training step of the digits CNN (examples/cnn-digits.nn.yaml) in PyTorch, float64, one thread, for
`npm run bench`'s CNN row: conv 3×3 same ×8 → relu → maxpool 2 → flatten → dense 10, softmax cross-entropy,
Adam (lr 0.01), batch 32, over examples/digits.csv. The same work as the engine's step, no more and no less:
the 1,438 training samples shuffled every epoch and gathered into batches, forward, loss, backward, Adam, and
the batch's loss and correct count kept for the epoch's summary (the engine reports an epoch's training loss and
accuracy as the mean over its batches, as Keras does, rather than by another pass over the training set).
Prints one JSON line: the median time per training step in ms, and per step of a run, where each epoch (45
steps) ends by measuring the loss and accuracy of the 359 validation samples, as the engine's run does; with
--rounds, times one round per line read ('step' or 'run') instead, answering each with its ms per step by the
wall clock and in CPU time.
Run by bench/bench.ts with Debian's /usr/bin/python3; prints {"skipped": reason} when torch is missing.
"""
import csv
import json
import os
import sys
import time

try:
    import torch
except ImportError:
    print(json.dumps({'skipped': 'torch is not installed for /usr/bin/python3 (apt-get install python3-torch)'}), flush=True)
    sys.exit(0)

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
BATCH = 32
ROOT = os.path.join(os.path.dirname(__file__), '..')

with open(os.path.join(ROOT, 'examples', 'digits.csv')) as f:
    reader = csv.reader(f)
    next(reader)
    data = [[float(v) for v in row] for row in reader]
X = torch.tensor([row[:64] for row in data]).view(-1, 1, 8, 8)
Y = torch.tensor([int(row[64]) for row in data])
TRAIN = 1438
batches = (TRAIN + BATCH - 1) // BATCH

torch.manual_seed(1)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 8, 3, padding='same'), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
    torch.nn.Linear(128, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = torch.nn.CrossEntropyLoss()
order = torch.randperm(TRAIN)
at = 0
seen = {'loss': 0.0, 'correct': 0}


def step():
    global at, order
    batch = order[at * BATCH:min(TRAIN, (at + 1) * BATCH)]
    x, y = X[batch], Y[batch]
    at += 1
    if at == batches:
        at, order = 0, torch.randperm(TRAIN)
    optimizer.zero_grad()
    z = model(x)
    loss = loss_fn(z, y)
    loss.backward()
    optimizer.step()
    seen['loss'] += loss.item()
    seen['correct'] += (z.argmax(1) == y).sum().item()


def clocks():
    """Wall-clock and this process's CPU time (all its threads), in ms."""
    return time.perf_counter() * 1000, time.process_time() * 1000


def per_step(start, steps):
    wall, cpu = clocks()
    return {'wall': (wall - start[0]) / steps, 'cpu': (cpu - start[1]) / steps}


def round_ms(length_ms=200):
    calls, start = 0, clocks()
    while time.perf_counter() * 1000 - start[0] < length_ms:
        for _ in range(16):
            step()
        calls += 16
    return per_step(start, calls)


def evaluate():
    with torch.no_grad():
        z = model(X[TRAIN:])
        loss_fn(z, Y[TRAIN:]).item()
        (z.argmax(1) == Y[TRAIN:]).sum().item()


def run_ms(epochs=2):
    """A run's time per step: whole epochs, each ending with the validation pass."""
    start = clocks()
    for _ in range(epochs):
        for _ in range(batches):
            step()
        evaluate()
    return per_step(start, epochs * batches)


for _ in range(100):
    step()
if '--rounds' in sys.argv:
    # Rounds on request, one per line ('step' or 'run'), so bench.ts can put them beside the engine's in time.
    print(json.dumps({'torch': torch.__version__}), flush=True)
    for line in sys.stdin:
        print(json.dumps(round_ms() if line.strip() == 'step' else run_ms()), flush=True)
    sys.exit(0)
rounds = sorted(round_ms()['wall'] for _ in range(9))
runs = sorted(run_ms()['wall'] for _ in range(9))
print(json.dumps({'stepMs': rounds[4], 'runStepMs': runs[4], 'torch': torch.__version__}))
