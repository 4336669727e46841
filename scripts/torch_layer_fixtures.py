#!/usr/bin/env python3
"""Writes test/fixtures/torch-layers/*.json: PyTorch float64 references for batch norm, layer norm, dropout and
residual connections, for test/unit/parity-layers.test.ts.

Run with Debian's Python and torch (apt-get install python3-torch):  /usr/bin/python3 scripts/torch_layer_fixtures.py
The semantics are the engine's (see torch_fixtures.py for dense layers, losses and optimizers): batchnorm is
torch.nn.BatchNorm1d and layernorm torch.nn.LayerNorm, γ and β trained by the same optimizer; `add: name` adds
that earlier layer's activations to z before the activation; dropout multiplies by the engine's own mask
explicitly, z = x * mask / (1 - rate), the mask drawn from a port of the engine's seeded generator (mulberry32)
in the order the engine draws it (each dropout layer's [sample][unit] entries, forward order, batch by batch).
Every intermediate is recorded: z, a, delta = dL/dz, mu, var, xhat, running statistics, masks, dL/dinput of the
norms, the gradients, and every parameter after the update.
"""
import torch

from torch_common import (activate, batch_steps, clip_gradients, data, data_loss, gradients, layer_record, make_optimizer,
                          make_targets, parameters, rounded, rows, tensors, trainable, vector, weight_and_bias, write_fixtures)

M32 = 0xFFFFFFFF


class Mulberry32:
    """src/engine/random.ts, bit for bit: Math.imul is a 32-bit wrapping multiply."""

    def __init__(self, seed):
        self.state = seed & M32

    def next(self):
        imul = lambda a, b: (a * b) & M32
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296


def run(model, steps):
    layers = model['layers']
    names = [l['name'] for l in layers]
    modules = []
    fan_in = model['input']
    for l in layers:
        kind = l.get('type', 'dense')
        if kind == 'dense':
            modules.append(weight_and_bias(l, l['units']))
            units = l['units']
        elif kind == 'batchnorm':
            units = fan_in
            bn = torch.nn.BatchNorm1d(units, eps=l.get('epsilon', 1e-5), momentum=l.get('momentum', 0.1))
            modules.append(bn)
        elif kind == 'layernorm':
            units = fan_in
            modules.append(torch.nn.LayerNorm(units, eps=l.get('epsilon', 1e-5)))
        else:
            units = fan_in
            modules.append(None)
        l['_units'] = units
        fan_in = units
    params = trainable(layers, modules)
    optimizer = make_optimizer(model['optimizer'], params)
    rng = Mulberry32(model.get('seed', 0))
    X, Y = data(model)
    records = []
    for epoch, batch, x, y in batch_steps(model, X, Y, steps):
        m = x.shape[0]
        a = x
        outs = []
        for l, mod in zip(layers, modules):
            kind = l.get('type', 'dense')
            extra = {}
            if kind == 'dense':
                z = a @ mod[0] + mod[1]
            elif kind == 'batchnorm':
                z = mod(a)
                mu = a.detach().mean(0)
                var = a.detach().var(0, unbiased=False)
                extra = {'mu': [vector(mu)], 'var': [vector(var)],
                         'xhat': rows((a.detach() - mu) / torch.sqrt(var + mod.eps)),
                         'runningMean': [vector(mod.running_mean)], 'runningVar': [vector(mod.running_var)]}
            elif kind == 'layernorm':
                z = mod(a)
                mu = a.detach().mean(1, keepdim=True)
                var = a.detach().var(1, unbiased=False, keepdim=True)
                extra = {'mu': rows(mu), 'var': rows(var), 'xhat': rows((a.detach() - mu) / torch.sqrt(var + mod.eps))}
            else:
                rate = l.get('rate', 0.5)
                mask = torch.tensor([[0.0 if rng.next() < rate else 1.0 for _ in range(l['_units'])] for _ in range(m)])
                z = a * mask / (1 - rate)
                extra = {'mask': rows(mask)}
            core = z
            if 'add' in l:
                z = z + outs[names.index(l['add'])]['a']
            z.retain_grad()
            out = activate(l, z)
            outs.append({'input': a, 'core': core, 'z': z, 'a': out, 'extra': extra})
            a = out
        loss = data_loss(model['loss'], outs[-1]['z'], outs[-1]['a'], y)
        # Frozen layers' tensors too: their raw gradients are reported, and must not accumulate across steps.
        for mod in modules:
            for p in tensors(mod):
                p.grad = None
        loss.backward(retain_graph=True)
        # The engine's gradInput is what a layer alone hands down (a residual path adds its own), taken
        # before the update changes the parameters the graph was built from. (Running backward again would add
        # into the retained z.grad, so δ is copied first.)
        for o in outs:
            o['delta'] = o['z'].grad.clone()
        grad_inputs = [rows(torch.autograd.grad(o['core'], o['input'], o['delta'], retain_graph=True)[0])
                       if l.get('type', 'dense') != 'dense' and k > 0 else None
                       for k, (l, o) in enumerate(zip(layers, outs))]
        clip_gradients(params, model.get('clip', {}))
        grads = [gradients(mod) for mod in modules]
        optimizer.step()
        record_layers = []
        for k, (l, mod, o, g) in enumerate(zip(layers, modules, outs, grads)):
            entry = layer_record(l['name'], rows(o['z']), rows(o['a']), rows(o['delta']), g, parameters(mod), **o['extra'])
            if grad_inputs[k] is not None:
                entry['gradInput'] = grad_inputs[k]
            record_layers.append(entry)
        records.append({'epoch': epoch, 'batch': batch, 'loss': float(loss), 'layers': record_layers})
    return records


def dense(gen, name, n_in, units, act, **extra):
    layer = {'name': name, 'units': units, 'activation': act,
             'weights': rounded(torch.randn(n_in, units, generator=gen) * 0.7, 6),
             'biases': rounded(torch.randn(units, generator=gen) * 0.2, 6)}
    layer.update(extra)
    return layer


def case(name, description, inputs, build, loss, optimizer, samples=6, batch=3, epochs=3, steps=6, targets='regression', outputs=2, seed=0, **extra):
    gen = torch.Generator().manual_seed(2000 + seed)
    layers = build(gen)
    xs = rounded(torch.randn(samples, inputs, generator=gen) * 1.5 + 0.3, 4)
    ys = make_targets(gen, targets, samples, outputs)
    model = {'name': name, 'seed': 17 + seed, 'input': inputs, 'layers': layers, 'loss': loss, 'optimizer': optimizer,
             'training': {'epochs': epochs, 'batch': batch}, 'data': {'inputs': xs, 'targets': ys}}
    model.update(extra)
    return name, description, model, steps


CASES = [
    case('batchnorm-running-stats', 'dense, BatchNorm1d (momentum 0.1) with ReLU, dense; running statistics over 6 steps', 3,
         lambda g: [dense(g, 'h1', 3, 4, 'tanh'), {'name': 'bn', 'type': 'batchnorm', 'activation': 'relu'}, dense(g, 'out', 4, 2, 'linear')],
         'mse', {'type': 'sgd', 'lr': 0.2}),
    case('batchnorm-input-adam', 'BatchNorm1d on the inputs (momentum 0.3, eps 1e-3), Adam, softmax cross-entropy', 4,
         lambda g: [{'name': 'bn', 'type': 'batchnorm', 'momentum': 0.3, 'epsilon': 1e-3}, dense(g, 'h1', 4, 5, 'elu'), dense(g, 'out', 5, 3, 'softmax')],
         'cross_entropy', {'type': 'adam', 'lr': 0.05}, samples=8, batch=4, epochs=3, targets='onehot', outputs=3, seed=1),
    case('layernorm', 'dense, LayerNorm with tanh, dense; RMSprop', 3,
         lambda g: [dense(g, 'h1', 3, 5, 'relu'), {'name': 'ln', 'type': 'layernorm', 'activation': 'tanh'}, dense(g, 'out', 5, 2, 'linear')],
         'mse', {'type': 'rmsprop', 'lr': 0.01}, seed=2),
    case('residual', 'two layers adding the same earlier layer, one of them frozen; momentum', 3,
         lambda g: [dense(g, 'h1', 3, 4, 'tanh'), dense(g, 'h2', 4, 4, 'tanh', frozen=True, add='h1'), dense(g, 'h3', 4, 4, 'linear', add='h1'), dense(g, 'out', 4, 1, 'linear')],
         'mse', {'type': 'momentum', 'lr': 0.05}, outputs=1, seed=3),
    case('dropout', 'dense, dropout 0.4 with the engine mask, dense sigmoid; binary cross-entropy', 3,
         lambda g: [dense(g, 'h1', 3, 5, 'relu'), {'name': 'drop', 'type': 'dropout', 'rate': 0.4}, dense(g, 'out', 5, 2, 'sigmoid')],
         'binary_cross_entropy', {'type': 'sgd', 'lr': 0.3}, targets='binary', seed=4),
    case('mixed-clip', 'batch norm, dropout, a residual around both, layer norm; Adam with gradient-norm clipping', 2,
         lambda g: [dense(g, 'h1', 2, 4, 'tanh'), {'name': 'bn', 'type': 'batchnorm', 'activation': 'relu'},
                    {'name': 'drop', 'type': 'dropout', 'rate': 0.25}, dense(g, 'h2', 4, 4, 'tanh', add='h1'),
                    {'name': 'ln', 'type': 'layernorm', 'add': 'bn'}, dense(g, 'out', 4, 2, 'linear')],
         'mse', {'type': 'adam', 'lr': 0.02}, samples=8, batch=4, epochs=3, seed=5, clip={'norm': 0.5}),
]


def fixture(model, steps):
    records = run(model, steps)
    for l in model['layers']:
        l.pop('_units', None)
    return {'steps': records}


def main():
    write_fixtures('torch-layers', CASES, fixture)


if __name__ == '__main__':
    main()
