#!/usr/bin/env python3
"""Times one training step of the digits CNN (examples/cnn-digits.nn.yaml) in PyTorch, float64, one thread, for
`npm run bench`'s CNN row: conv 3×3 same ×8 → relu → maxpool 2 → flatten → dense 10, softmax cross-entropy,
Adam (lr 0.01), batch 32, over examples/digits.csv. Prints one JSON line: the median time per training step in
ms, and per step of a run, where each epoch (45 steps over the 1,438 training samples) also measures the loss and
accuracy of the training and the 359 validation samples, as the engine's run does.
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
    print(json.dumps({'skipped': 'torch is not installed for /usr/bin/python3 (apt-get install python3-torch)'}))
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
at = 0


def step():
    global at
    x, y = X[at * BATCH:min(TRAIN, (at + 1) * BATCH)], Y[at * BATCH:min(TRAIN, (at + 1) * BATCH)]
    at = (at + 1) % batches
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()


def round_ms(length_ms=200):
    calls, start = 0, time.perf_counter()
    while (time.perf_counter() - start) * 1000 < length_ms:
        for _ in range(16):
            step()
        calls += 16
    return (time.perf_counter() - start) * 1000 / calls


def evaluate():
    with torch.no_grad():
        for x, y in ((X[:TRAIN], Y[:TRAIN]), (X[TRAIN:], Y[TRAIN:])):
            z = model(x)
            loss_fn(z, y).item()
            (z.argmax(1) == y).sum().item()


def epoch_ms():
    start = time.perf_counter()
    for _ in range(batches):
        step()
    evaluate()
    return (time.perf_counter() - start) * 1000 / batches


for _ in range(100):
    step()
rounds = sorted(round_ms() for _ in range(9))
epochs = sorted(epoch_ms() for _ in range(9))
print(json.dumps({'stepMs': rounds[4], 'runStepMs': epochs[4], 'torch': torch.__version__}))
