#!/usr/bin/env python3
"""Writes test/fixtures/torch-conv/*.json: PyTorch float64 references for conv2d, maxpool2d, flatten and small
CNNs, for test/unit/parity-conv.test.ts.

Run with Debian's Python and torch (apt-get install python3-torch):  /usr/bin/python3 scripts/torch_conv_fixtures.py
The semantics are the engine's: input {shape: [c, h, w]} rows are x.view(m, c, h, w); conv2d is F.conv2d with the
file's weights (one row of c·kh·kw per filter, i.e. weight.view(F, -1)) and `padding: same` as PyTorch's for
stride 1; maxpool2d is F.max_pool2d (no padding, floor mode never needed because shapes must tile); batchnorm
after an image is torch.nn.BatchNorm2d (γ and β as weights/biases [1][channel], running statistics as its buffers);
flatten and a dense layer after an image are x.view(m, -1). Every intermediate is recorded per batch step as
[sample][c·h·w]: z, a, delta = dL/dz, dL/dinput of the image layers, pooling's argmax as c·H·W + y·W + x, batch
norm's per-channel mu, var (biased), xhat and running statistics, the gradients, and every parameter after the
update. `evaluation` is the output layer's z and a for every sample in evaluation mode (model.eval(): running
statistics) after the last step.
"""
import torch
import torch.nn.functional as F

from torch_common import (activate, batch_steps, data, data_loss, gradients, layer_record, make_optimizer, one_hot,
                          parameters, rounded, rows, tensors, trainable, vector, weight_and_bias, write_fixtures)


def flat(t):
    return rows(t.reshape(t.shape[0], -1))


def convolve(layer, mod, a):
    """F.conv2d with the layer's weights, stored one row of c·kh·kw per filter."""
    k = layer['kernel'] if isinstance(layer['kernel'], list) else [layer['kernel'], layer['kernel']]
    weight = mod[0].view(layer['filters'], a.shape[1], k[0], k[1])
    return F.conv2d(a, weight, mod[1] if layer.get('bias', True) else None, stride=layer.get('stride', 1),
                    padding=layer.get('padding', 0))


def run(model, steps):
    layers = model['layers']
    shape = tuple(model['input']['shape'])
    modules = []
    channels = shape[0]
    for l in layers:
        kind = l.get('type', 'dense')
        if kind == 'batchnorm':
            modules.append(torch.nn.BatchNorm2d(channels, eps=l.get('epsilon', 1e-5), momentum=l.get('momentum', 0.1)))
        elif kind in ('dense', 'conv2d'):
            modules.append(weight_and_bias(l, l['filters'] if kind == 'conv2d' else l['units']))
        else:
            modules.append(None)
        if kind == 'conv2d':
            channels = l['filters']
    params = trainable(layers, modules)
    optimizer = make_optimizer(model['optimizer'], params)
    X, Y = data(model)
    records = []
    for epoch, batch, x, y in batch_steps(model, X, Y, steps):
        m = x.shape[0]
        a = x.view(m, *shape).clone().requires_grad_(True)
        outs = []
        for l, mod in zip(layers, modules):
            kind = l.get('type', 'dense')
            extra = {}
            if kind == 'batchnorm':
                z = mod(a)
                mu = a.detach().mean((0, 2, 3))
                var = a.detach().var((0, 2, 3), unbiased=False)
                xhat = (a.detach() - mu.view(1, -1, 1, 1)) / torch.sqrt(var.view(1, -1, 1, 1) + mod.eps)
                extra = {'mu': [vector(mu)], 'var': [vector(var)], 'xhat': flat(xhat),
                         'runningMean': [vector(mod.running_mean)], 'runningVar': [vector(mod.running_var)]}
            elif kind == 'conv2d':
                z = convolve(l, mod, a)
            elif kind == 'maxpool2d':
                size = l['size']
                z, idx = F.max_pool2d(a, size, l.get('stride', size), return_indices=True)
                h, w = a.shape[2], a.shape[3]
                channel = torch.arange(a.shape[1]).view(1, -1, 1, 1) * (h * w)
                extra = {'argmax': flat((idx + channel).to(torch.float64))}
            elif kind == 'flatten':
                z = a.reshape(m, -1)
            else:
                z = a.reshape(m, -1) @ mod[0] + mod[1]
            z.retain_grad()
            out = activate(l, z)
            outs.append({'input': a, 'z': z, 'a': out, 'extra': extra})
            a = out
        loss = data_loss(model['loss'], outs[-1]['z'], outs[-1]['a'], y)
        for mod in modules:
            for p in tensors(mod):
                p.grad = None
        inputs = [o['input'] for o in outs[1:]]
        for i in inputs:
            i.retain_grad()
        loss.backward()
        grads = [gradients(mod) for mod in modules]
        optimizer.step()
        record_layers = []
        for k, (l, mod, o, g) in enumerate(zip(layers, modules, outs, grads)):
            entry = layer_record(l['name'], flat(o['z']), flat(o['a']), flat(o['z'].grad), g, parameters(mod), **o['extra'])
            if k > 0 and l.get('type', 'dense') != 'dense':
                entry['gradInput'] = flat(o['input'].grad)
            record_layers.append(entry)
        records.append({'epoch': epoch, 'batch': batch, 'loss': float(loss), 'layers': record_layers})
    return {'steps': records, 'evaluation': evaluate(layers, modules, X, shape)}


def evaluate(layers, modules, X, shape):
    """The output layer's z and a for every sample in evaluation mode (batch norm on its running statistics)."""
    with torch.no_grad():
        a = X.view(X.shape[0], *shape)
        for l, mod in zip(layers, modules):
            kind = l.get('type', 'dense')
            if kind == 'batchnorm':
                mod.eval()
                z = mod(a)
                mod.train()
            elif kind == 'conv2d':
                z = convolve(l, mod, a)
            elif kind == 'maxpool2d':
                z = F.max_pool2d(a, l['size'], l.get('stride', l['size']))
            elif kind == 'flatten':
                z = a.reshape(a.shape[0], -1)
            else:
                z = a.reshape(a.shape[0], -1) @ mod[0] + mod[1]
            a = activate(l, z)
    return {'z': flat(z), 'a': flat(a)}


def numbers(gen, count, scale):
    return rounded(torch.randn(count, generator=gen) * scale, 6)


def conv(gen, name, channels, filters, kernel, act='linear', **extra):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    scale = (2.0 / (channels * kh * kw)) ** 0.5
    layer = {'name': name, 'type': 'conv2d', 'filters': filters, 'kernel': kernel, 'activation': act,
             'weights': [numbers(gen, channels * kh * kw, scale) for _ in range(filters)],
             'biases': numbers(gen, filters, 0.1)}
    layer.update(extra)
    if not layer.get('bias', True):
        del layer['biases']
    return layer


def dense(gen, name, n_in, units, act):
    return {'name': name, 'units': units, 'activation': act,
            'weights': [numbers(gen, units, (1.0 / n_in) ** 0.5) for _ in range(n_in)], 'biases': numbers(gen, units, 0.1)}


def case(name, description, shape, build, loss, optimizer, samples=6, batch=3, epochs=2, steps=4, outputs=3, seed=0, ties=False):
    gen = torch.Generator().manual_seed(3000 + seed)
    layers = build(gen)
    size = shape[0] * shape[1] * shape[2]
    if ties:
        # Whole numbers in a small range: pooling windows hold equal maxima, which go to the first (as PyTorch).
        xs = [[float(v) for v in row] for row in torch.randint(0, 3, (samples, size), generator=gen).tolist()]
    else:
        xs = rounded(torch.randn(samples, size, generator=gen), 4)
    if loss == 'cross_entropy':
        ys = one_hot(samples, outputs, lambda i: i * 5 + 1)
    else:
        ys = rounded(torch.randn(samples, outputs, generator=gen), 4)
    model = {'name': name, 'seed': 30 + seed, 'input': {'shape': shape}, 'layers': layers, 'loss': loss,
             'optimizer': optimizer, 'training': {'epochs': epochs, 'batch': batch}, 'data': {'inputs': xs, 'targets': ys}}
    return name, description, model, steps


CASES = [
    case('conv-stride-padding', 'Conv2d 2→3 channels, 3×3, stride 2, padding 1, tanh; a second Conv2d 2×3 kernel; dense; SGD', [2, 7, 7],
         lambda g: [conv(g, 'c1', 2, 3, 3, 'tanh', stride=2, padding=1), conv(g, 'c2', 3, 2, [2, 3], 'linear', stride=1, padding=2),
                    dense(g, 'out', 2 * 7 * 6, 3, 'linear')],
         'mse', {'type': 'sgd', 'lr': 0.05}, seed=1),
    case('conv-same-maxpool', 'Conv2d 3×3 padding same, ReLU, MaxPool2d 2, flatten, dense softmax; Adam', [1, 6, 6],
         lambda g: [conv(g, 'conv1', 1, 4, 3, 'relu', padding='same'), {'name': 'pool1', 'type': 'maxpool2d', 'size': 2},
                    {'name': 'flat', 'type': 'flatten'}, dense(g, 'out', 36, 3, 'softmax')],
         'cross_entropy', {'type': 'adam', 'lr': 0.01}, seed=2),
    case('maxpool-ties', 'MaxPool2d 2×2 and overlapping 3×3 stride 1 on whole-number images full of ties, no bias conv between', [2, 6, 6],
         lambda g: [{'name': 'pool1', 'type': 'maxpool2d', 'size': 2}, conv(g, 'c1', 2, 2, 1, 'linear', bias=False),
                    {'name': 'pool2', 'type': 'maxpool2d', 'size': 2, 'stride': 1}, dense(g, 'out', 2 * 2 * 2, 3, 'linear')],
         'mse', {'type': 'momentum', 'lr': 0.05}, ties=True, seed=3),
    case('small-cnn', 'A digits-sized CNN over 6 steps (2 epochs): 1×8×8 → conv 3×3 same (4 filters) → relu → maxpool 2 → flatten → dense 10 softmax; SGD',
         [1, 8, 8],
         lambda g: [conv(g, 'conv1', 1, 4, 3, 'relu', padding='same'), {'name': 'pool1', 'type': 'maxpool2d', 'size': 2},
                    {'name': 'flat', 'type': 'flatten'}, dense(g, 'out', 64, 10, 'softmax')],
         'cross_entropy', {'type': 'sgd', 'lr': 0.1}, samples=12, batch=4, epochs=2, steps=6, outputs=10, seed=4),
    case('batchnorm2d-cnn', 'BatchNorm2d between convolutions: 2×6×6 → conv 3×3 same (4 filters) → batchnorm (momentum 0.2) → relu → maxpool 2 → '
         'conv 3×3 (3 filters) → batchnorm (eps 1e-3) → tanh → flatten → dense softmax; Adam over 6 steps (3 epochs, the last batch of each '
         'epoch 1 sample), convolutions without bias, running statistics, and evaluation on them',
         [2, 6, 6],
         # No bias before a batch norm (as one writes it in PyTorch): the mean subtraction cancels it, so its gradient
         # is rounding noise, which Adam's normalized step would turn into updates of ±lr in either direction.
         lambda g: [conv(g, 'conv1', 2, 4, 3, 'linear', padding='same', bias=False),
                    {'name': 'bn1', 'type': 'batchnorm', 'momentum': 0.2, 'activation': 'relu'},
                    {'name': 'pool1', 'type': 'maxpool2d', 'size': 2},
                    conv(g, 'conv2', 4, 3, 3, 'linear', padding=1, bias=False),
                    {'name': 'bn2', 'type': 'batchnorm', 'epsilon': 1e-3, 'activation': 'tanh'},
                    {'name': 'flat', 'type': 'flatten'}, dense(g, 'out', 27, 3, 'softmax')],
         'cross_entropy', {'type': 'adam', 'lr': 0.02}, samples=5, batch=4, epochs=3, steps=6, seed=5),
    case('batchnorm2d-sgd', 'conv 2×2 stride 2 → BatchNorm2d → relu → maxpool 2 → flatten → dense; SGD over 6 steps with MSE', [1, 8, 8],
         lambda g: [conv(g, 'conv1', 1, 3, 2, 'linear', stride=2), {'name': 'bn', 'type': 'batchnorm', 'activation': 'relu'},
                    {'name': 'pool', 'type': 'maxpool2d', 'size': 2}, {'name': 'flat', 'type': 'flatten'},
                    dense(g, 'out', 12, 2, 'linear')],
         'mse', {'type': 'sgd', 'lr': 0.1}, samples=6, batch=3, epochs=3, steps=6, outputs=2, seed=6),
]


def main():
    write_fixtures('torch-conv', CASES, run)


if __name__ == '__main__':
    main()
