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
import torch

from torch_common import (activate, batch_steps, clip_gradients, data, data_loss, gradients, layer_record, make_optimizer,
                          make_scheduler, make_targets, parameters, rounded, rows, trainable, weight_and_bias, write_fixtures)


def run(model, steps):
    layers = model['layers']
    modules = [weight_and_bias(l, l['units']) for l in layers]
    params = trainable(layers, modules)
    optimizer = make_optimizer(model['optimizer'], params)
    scheduler = make_scheduler(model['optimizer'], optimizer)
    X, Y = data(model)
    l2 = model.get('regularization', {}).get('l2', 0.0)
    records = []
    for epoch, batch, x, y in batch_steps(model, X, Y, steps, scheduler.step if scheduler else None):
        m = x.shape[0]
        zs, as_ = [], []
        a = x
        for l, (w, bias) in zip(layers, modules):
            z = a @ w + bias
            z.retain_grad()
            a = activate(l, z)
            zs.append(z)
            as_.append(a)
        loss = data_loss(model['loss'], zs[-1], as_[-1], y)
        penalty = sum((w ** 2).sum() for l, (w, _) in zip(layers, modules) if not l.get('frozen', False)) * (l2 / (2 * m))
        # Frozen layers' tensors too: their raw gradients are reported, and must not accumulate across steps.
        for mod in modules:
            for p in mod:
                p.grad = None
        (loss + penalty).backward()
        clip_gradients(params, model.get('clip', {}))
        grads = [gradients(mod) for mod in modules]
        lr = optimizer.param_groups[0]['lr']
        optimizer.step()
        records.append({
            'epoch': epoch, 'batch': batch, 'loss': float(loss), 'lr': lr,
            'layers': [layer_record(l['name'], rows(z), rows(a_), rows(z.grad), g, parameters(mod))
                       for l, z, a_, g, mod in zip(layers, zs, as_, grads, modules)],
        })
    return {'steps': records}


def dense(gen, name, n_in, units, act, **extra):
    layer = {'name': name, 'units': units, 'activation': act, 'weights': rounded(torch.randn(n_in, units, generator=gen) * 0.6, 6)}
    if extra.get('bias', True):
        layer['biases'] = rounded(torch.randn(units, generator=gen) * 0.2, 6)
    layer.update(extra)
    return layer


def case(name, description, sizes, acts, loss, optimizer, samples=7, batch=3, epochs=2, steps=5, targets='regression', seed=0, **extra):
    gen = torch.Generator().manual_seed(1000 + seed)
    layers = []
    for k, act in enumerate(acts):
        opts = extra.pop(f'layer{k}', {})
        layers.append(dense(gen, f'layer{k + 1}', sizes[k], sizes[k + 1], act, **opts))
    inputs = rounded(torch.randn(samples, sizes[0], generator=gen), 4)
    ys = make_targets(gen, targets, samples, sizes[-1])
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
    write_fixtures('torch', CASES + [WORKED], run)


if __name__ == '__main__':
    main()
