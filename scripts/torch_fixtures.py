#!/usr/bin/env python3
"""Writes test/fixtures/torch/*.json: PyTorch float64 reference traces for the engine's parity tests.

Run with Debian's Python and torch (apt-get install python3-torch):  /usr/bin/python3 scripts/torch_fixtures.py
Each case is a model in our own file format with explicit weights and inline data (so no random generator
has to match), trained for a few batch steps by autograd + torch.optim. The semantics are the engine's:
z = a_prev @ W + b with W stored [inputs][units]; every loss is a mean over the batch (the last partial batch
over its own size); L2 adds lambda/(2m)*sum(W^2) over trainable layers' weights; clipping is torch's own
clip_grad_value_ / clip_grad_norm_ over the trainable parameters; a frozen layer passes gradients through
but is neither updated nor regularised, and its reported dW/db are its raw gradients.
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch')


def activation(name, z, alpha):
    return {
        'linear': lambda: z,
        'sigmoid': lambda: torch.sigmoid(z),
        'tanh': lambda: torch.tanh(z),
        'relu': lambda: torch.relu(z),
        'leaky_relu': lambda: torch.nn.functional.leaky_relu(z, alpha),
        'elu': lambda: torch.nn.functional.elu(z, alpha),
        'softmax': lambda: torch.softmax(z, dim=1),
    }[name]()


def data_loss(loss, z, a, y):
    m = y.shape[0]
    kind = loss if isinstance(loss, str) else loss['type']
    e = a - y
    if kind == 'mse':
        return (0.5 * e ** 2).sum() / m
    if kind == 'mae':
        return e.abs().sum() / m
    if kind == 'huber':
        d = loss.get('delta', 1.0)
        return torch.where(e.abs() <= d, 0.5 * e ** 2, d * (e.abs() - 0.5 * d)).sum() / m
    if kind == 'cross_entropy':
        return -(y * torch.log_softmax(z, dim=1)).sum() / m
    if kind == 'binary_cross_entropy':
        return torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction='sum') / m
    raise ValueError(kind)


def make_optimizer(spec, params):
    kind = spec['type']
    lr = spec['lr']
    if kind == 'sgd':
        return torch.optim.SGD(params, lr=lr)
    if kind == 'momentum':
        return torch.optim.SGD(params, lr=lr, momentum=spec.get('momentum', 0.9))
    if kind == 'nesterov':
        return torch.optim.SGD(params, lr=lr, momentum=spec.get('momentum', 0.9), nesterov=True)
    if kind == 'adagrad':
        return torch.optim.Adagrad(params, lr=lr, eps=spec.get('epsilon', 1e-10))
    if kind == 'rmsprop':
        return torch.optim.RMSprop(params, lr=lr, alpha=spec.get('alpha', 0.99), eps=spec.get('epsilon', 1e-8))
    if kind == 'adam':
        return torch.optim.Adam(params, lr=lr, betas=(spec.get('beta1', 0.9), spec.get('beta2', 0.999)), eps=spec.get('epsilon', 1e-8))
    raise ValueError(kind)


def make_scheduler(spec, optimizer):
    schedule = spec.get('schedule', 'none')
    if schedule == 'none':
        return None
    if schedule['type'] == 'step':
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=schedule['every'], gamma=schedule['gamma'])
    if schedule['type'] == 'exponential':
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=schedule['gamma'])
    if schedule['type'] == 'cosine':
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=schedule['epochs'], eta_min=0)
    raise ValueError(schedule)


def rows(t):
    return [[float(v) for v in row] for row in t.detach().tolist()]


def run(model, steps):
    layers = model['layers']
    W = [torch.tensor(l['weights'], dtype=torch.float64, requires_grad=True) for l in layers]
    b = [torch.tensor(l.get('biases', [0.0] * l['units']), dtype=torch.float64, requires_grad=l.get('bias', True)) for l in layers]
    trainable = [p for l, w, bias in zip(layers, W, b) if not l.get('frozen', False) for p in ([w, bias] if l.get('bias', True) else [w])]
    optimizer = make_optimizer(model['optimizer'], trainable)
    scheduler = make_scheduler(model['optimizer'], optimizer)
    X = torch.tensor(model['data']['inputs'], dtype=torch.float64)
    Y = torch.tensor(model['data']['targets'], dtype=torch.float64)
    n = X.shape[0]
    batch = model.get('training', {}).get('batch', n)
    epochs = model.get('training', {}).get('epochs', 1)
    l2 = model.get('regularization', {}).get('l2', 0.0)
    clip = model.get('clip', {})
    records = []
    for epoch in range(epochs):
        for start in range(0, n, batch):
            if len(records) == steps:
                return records
            x, y = X[start:start + batch], Y[start:start + batch]
            m = x.shape[0]
            zs, as_ = [], []
            a = x
            for l, w, bias in zip(layers, W, b):
                z = a @ w + bias
                z.retain_grad()
                a = activation(l['activation'], z, l.get('alpha', 1.0 if l['activation'] == 'elu' else 0.01))
                zs.append(z)
                as_.append(a)
            loss = data_loss(model['loss'], zs[-1], as_[-1], y)
            penalty = sum((w ** 2).sum() for l, w in zip(layers, W) if not l.get('frozen', False)) * (l2 / (2 * m))
            optimizer.zero_grad()
            for p in W + b:
                p.grad = None
            (loss + penalty).backward()
            if 'value' in clip:
                torch.nn.utils.clip_grad_value_(trainable, clip['value'])
            if 'norm' in clip:
                torch.nn.utils.clip_grad_norm_(trainable, clip['norm'])
            grads = [(w.grad.clone(), bias.grad.clone() if bias.grad is not None else torch.zeros(bias.shape)) for w, bias in zip(W, b)]
            lr = optimizer.param_groups[0]['lr']
            optimizer.step()
            records.append({
                'epoch': epoch, 'batch': start // batch, 'loss': float(loss), 'lr': lr,
                'layers': [{
                    'name': l['name'], 'z': rows(z), 'a': rows(a_), 'delta': rows(z.grad),
                    'dW': rows(g[0]), 'db': [float(v) for v in g[1].tolist()],
                    'weights': rows(w), 'biases': [float(v) for v in bias.detach().tolist()],
                } for l, z, a_, g, w, bias in zip(layers, zs, as_, grads, W, b)],
            })
        if scheduler:
            scheduler.step()
    return records


def weights(gen, n_in, units, scale=0.6):
    return [[round(float(v), 6) for v in row] for row in (torch.randn(n_in, units, generator=gen) * scale).tolist()]


def dense(gen, name, n_in, units, act, **extra):
    layer = {'name': name, 'units': units, 'activation': act, 'weights': weights(gen, n_in, units)}
    if extra.get('bias', True):
        layer['biases'] = [round(float(v), 6) for v in (torch.randn(units, generator=gen) * 0.2).tolist()]
    layer.update(extra)
    return layer


def case(name, description, sizes, acts, loss, optimizer, samples=7, batch=3, epochs=2, steps=5, targets='regression', seed=0, **extra):
    gen = torch.Generator().manual_seed(1000 + seed)
    layers = []
    for k, act in enumerate(acts):
        opts = extra.pop(f'layer{k}', {})
        layers.append(dense(gen, f'layer{k + 1}', sizes[k], sizes[k + 1], act, **opts))
    inputs = [[round(float(v), 4) for v in row] for row in torch.randn(samples, sizes[0], generator=gen).tolist()]
    outputs = sizes[-1]
    if targets == 'onehot':
        ys = [[1.0 if j == (i * 7 + 3) % outputs else 0.0 for j in range(outputs)] for i in range(samples)]
    elif targets == 'binary':
        ys = [[float((i + j) % 2) for j in range(outputs)] for i in range(samples)]
    else:
        ys = [[round(float(v), 4) for v in row] for row in torch.randn(samples, outputs, generator=gen).tolist()]
    model = {'name': name, 'input': sizes[0], 'layers': layers, 'loss': loss, 'optimizer': optimizer,
             'training': {'epochs': epochs, 'batch': batch}, 'data': {'inputs': inputs, 'targets': ys}}
    model.update(extra)
    return name, description, model, steps


CASES = [
    case('sgd-mse-sigmoid', 'SGD, MSE, sigmoid hidden and output', [3, 4, 2], ['sigmoid', 'sigmoid'], 'mse', {'type': 'sgd', 'lr': 0.5}, targets='binary'),
    case('momentum-tanh', 'classical momentum, tanh', [3, 5, 1], ['tanh', 'linear'], 'mse', {'type': 'momentum', 'lr': 0.1, 'momentum': 0.8}, seed=1),
    case('nesterov-relu', 'Nesterov momentum, ReLU', [3, 6, 2], ['relu', 'linear'], 'mse', {'type': 'nesterov', 'lr': 0.05, 'momentum': 0.9}, seed=2),
    case('adagrad-leaky-relu', 'Adagrad, leaky ReLU (alpha 0.1)', [2, 5, 1], ['leaky_relu', 'linear'], 'mse', {'type': 'adagrad', 'lr': 0.1}, seed=3, layer0={'alpha': 0.1}),
    case('rmsprop-elu', 'RMSprop, ELU', [3, 4, 2], ['elu', 'linear'], 'mse', {'type': 'rmsprop', 'lr': 0.01, 'alpha': 0.9}, seed=4),
    case('adam-softmax-ce', 'Adam, softmax, cross-entropy', [4, 5, 3], ['tanh', 'softmax'], 'cross_entropy', {'type': 'adam', 'lr': 0.05}, targets='onehot', seed=5),
    case('sgd-bce', 'SGD, sigmoid output, binary cross-entropy', [2, 4, 1], ['relu', 'sigmoid'], 'binary_cross_entropy', {'type': 'sgd', 'lr': 0.3}, targets='binary', seed=6),
    case('huber-l2-clip-value', 'the seed report: Huber loss (delta 0.5), L2, clip value 0.5', [3, 4, 1], ['sigmoid', 'linear'], {'type': 'huber', 'delta': 0.5}, {'type': 'sgd', 'lr': 0.2}, seed=7, regularization={'l2': 0.1}, clip={'value': 0.5}),
    case('mae', 'mean absolute error', [3, 3, 2], ['tanh', 'linear'], 'mae', {'type': 'sgd', 'lr': 0.1}, seed=8),
    case('adam-l2', 'Adam with L2', [3, 4, 2], ['sigmoid', 'linear'], 'mse', {'type': 'adam', 'lr': 0.01}, seed=9, regularization={'l2': 0.05}),
    case('clip-norm', 'global gradient-norm clipping that bites', [3, 5, 2], ['tanh', 'linear'], 'mse', {'type': 'sgd', 'lr': 0.1}, seed=10, clip={'norm': 0.05}),
    case('frozen-first-layer', 'first layer frozen: delta flows through, weights never move', [3, 4, 3, 1], ['tanh', 'relu', 'linear'], 'mse', {'type': 'momentum', 'lr': 0.05}, seed=11, layer0={'frozen': True}, regularization={'l2': 0.02}),
    case('partial-last-batch', '7 samples in batches of 3 over 2 epochs: the last batch has 1 sample', [2, 3, 1], ['sigmoid', 'linear'], 'mse', {'type': 'sgd', 'lr': 0.3}, samples=7, batch=3, epochs=2, steps=6, seed=12),
    case('no-bias', 'a layer without biases', [3, 4, 1], ['tanh', 'linear'], 'mse', {'type': 'sgd', 'lr': 0.1}, seed=13, layer0={'bias': False}),
    case('step-schedule', 'SGD with a step schedule (every epoch, gamma 0.5)', [2, 3, 1], ['tanh', 'linear'], 'mse', {'type': 'sgd', 'lr': 0.4, 'schedule': {'type': 'step', 'every': 1, 'gamma': 0.5}}, samples=4, batch=2, epochs=3, steps=6, seed=14),
    case('exponential-schedule-adam', 'Adam with an exponential schedule', [2, 3, 2], ['elu', 'softmax'], 'cross_entropy', {'type': 'adam', 'lr': 0.1, 'schedule': {'type': 'exponential', 'gamma': 0.7}}, targets='onehot', samples=4, batch=4, epochs=4, steps=4, seed=15),
]

WORKED = ('worked-example', 'the course slides: x=[2,3], y=1, linear, no biases', {
    'name': 'worked-example', 'input': 2,
    'layers': [
        {'name': 'hidden', 'units': 2, 'activation': 'linear', 'bias': False, 'weights': [[-0.78, 0.13], [0.85, 0.23]]},
        {'name': 'output', 'units': 1, 'activation': 'linear', 'bias': False, 'weights': [[1.8], [0.40]]},
    ],
    'loss': 'mse', 'optimizer': {'type': 'sgd', 'lr': 0.1}, 'training': {'epochs': 3},
    'data': {'inputs': [[2, 3]], 'targets': [[1]]},
}, 3)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, description, model, steps in CASES + [WORKED]:
        steps_out = run(model, steps)
        with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
            json.dump({'name': name, 'description': description, 'torch_version': torch.__version__, 'model': model, 'steps': steps_out}, f)
            f.write('\n')
        print(f'{name}: {len(steps_out)} steps')


if __name__ == '__main__':
    main()
