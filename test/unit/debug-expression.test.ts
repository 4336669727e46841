// The debugger's expression language: every operator and function, the worked example's numbers, and hostile
// input, which must always come back as an ExpressionError with a column, never as another exception.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ExpressionError,
  compileExpression,
  evaluateExpression,
  formatValue,
  interpolate,
  truthy,
  type ExpressionScope,
  type TensorValue,
  type Value,
} from '../../src/debug/expression';

const tensor = (rows: number, cols: number, data: number[]): TensorValue => ({ kind: 'tensor', rows, cols, data });
const entries = (value: Value): number[] => {
  assert.ok(typeof value === 'object', `expected a tensor, got ${String(value)}`);
  return Array.from(value.data).slice(0, value.rows * value.cols);
};
const shape = (value: Value): string => (typeof value === 'object' ? `${value.rows}×${value.cols}` : typeof value);

/** The worked example at the output layer's backward. */
function workedScope(): ExpressionScope {
  const outputDW = tensor(2, 1, [1.15038, 1.1039]);
  return {
    names: {
      epoch: 1,
      batch: 1,
      step: 3,
      phase: 'backward',
      layer: 'output',
      loss: 0.2,
      lr: 0.5,
      W: tensor(2, 2, [1, -2, 3, 4]),
      b: tensor(1, 3, [0.5, -1, 2]),
      dW: () => outputDW,
      z: () => undefined,
      bad: tensor(2, 2, [0, NaN, Infinity, 1]),
    },
    layers: {
      hidden: { a: tensor(1, 2, [0.99, 0.95]), W: tensor(2, 2, [0.1, 0.2, 0.3, 0.4]) },
      output: { dW: outputDW, db: () => undefined },
    },
  };
}

const run = (source: string, scope = workedScope()) => evaluateExpression(source, scope);

/** The ExpressionError an expression raises (compiling or evaluating); anything else fails the test. */
function failure(source: string, scope = workedScope()): ExpressionError {
  const shown = source.length > 80 ? `${source.slice(0, 80)}… (${source.length} characters)` : source;
  try {
    run(source, scope);
  } catch (error) {
    assert.ok(error instanceof ExpressionError, `${shown}: threw ${String(error)}`);
    assert.ok(Number.isInteger(error.column) && error.column >= 1, `${shown}: column ${error.column}`);
    assert.ok(error.column <= source.length + 1, `${shown}: column ${error.column} past the end`);
    return error;
  }
  assert.fail(`${shown} did not fail`);
}

function assertFails(source: string, message: RegExp, column?: number, scope?: ExpressionScope): void {
  const error = failure(source, scope);
  const shown = source.slice(0, 80);
  assert.match(error.message, message, shown);
  if (column !== undefined) assert.equal(error.column, column, `${shown}: ${error.message}`);
}

test('arithmetic on numbers is Float64 arithmetic with the usual precedence', () => {
  assert.equal(run('1 + 2'), 3);
  assert.equal(run('5 - 7'), -2);
  assert.equal(run('6 * 7'), 42);
  assert.equal(run('1 / 4'), 0.25);
  assert.equal(run('1 / 0'), Infinity);
  assert.equal(run('0.1 + 0.2'), 0.1 + 0.2);
  assert.equal(run('1 + 2 * 3'), 7);
  assert.equal(run('(1 + 2) * 3'), 9);
  assert.equal(run('10 - 4 - 3'), 3, 'left-associative');
  assert.equal(run('1.5e3 + .5'), 1500.5);
});

test('^ is a right-associative power that binds tighter than a prefix minus', () => {
  assert.equal(run('2 ^ 10'), 1024);
  assert.equal(run('2 ^ 3 ^ 2'), 512);
  assert.equal(run('-2 ^ 2'), -4);
  assert.equal(run('(-2) ^ 2'), 4);
  assert.equal(run('-(2) ^ 2'), -4);
  assert.equal(run('2 ^ -1'), 0.5);
  assert.equal(run('2 * -3 ^ 2'), -18);
  assert.equal(run('2 * 3 ^ 2'), 18);
});

test('unary operators', () => {
  assert.equal(run('-loss'), -0.2);
  assert.equal(run('+loss'), 0.2);
  assert.equal(run('--3'), 3);
  assert.equal(run('!0'), true);
  assert.equal(run('!1'), false);
  assert.equal(run('!""'), true);
  assert.equal(run('!(loss > 1)'), true);
  assert.deepEqual(entries(run('-W')), [-1, 2, -3, -4]);
  assertFails('-phase', /unary '-' needs a number or a tensor, not a string/, 1);
});

test('comparisons of numbers, strings and booleans', () => {
  assert.equal(run('1 < 2'), true);
  assert.equal(run('2 < 2'), false);
  assert.equal(run('2 <= 2'), true);
  assert.equal(run('3 > 2'), true);
  assert.equal(run('2 > 2'), false);
  assert.equal(run('2 >= 2'), true);
  assert.equal(run('2 == 2'), true);
  assert.equal(run('2 != 2'), false);
  assert.equal(run('phase == "backward"'), true);
  assert.equal(run("phase == 'forward'"), false);
  assert.equal(run('phase != "forward"'), true);
  assert.equal(run('(1 < 2) == true'), true);
  assert.equal(run('0 / 0 == 0 / 0'), false, 'NaN equals nothing');
  assertFails('phase == 1', /'==' compares two numbers, strings or booleans, not a string and a number/, 7);
  assertFails('phase < "z"', /'<' compares numbers, not a string and a string/, 7);
});

test('&& and || give booleans and do not evaluate what they do not need', () => {
  assert.equal(run('1 && 2'), true);
  assert.equal(run('1 && 0'), false);
  assert.equal(run('0 || ""'), false);
  assert.equal(run('0 || "x"'), true);
  assert.equal(run('1 < 2 && 2 < 3 || 0'), true);
  let calls = 0;
  const scope = workedScope();
  scope.names.expensive = () => {
    calls++;
    return 1;
  };
  assert.equal(run('loss > 1 && expensive > 0', scope), false);
  assert.equal(run('loss < 1 || expensive > 0', scope), true);
  assert.equal(calls, 0);
  assertFails('dW && 1', /a condition must be a number or a comparison, not a 2×1 tensor/, 4);
});

test('tensor arithmetic is elementwise, with numbers on either side or an equal shape', () => {
  const scope = workedScope();
  const sum = run('W + 1', scope);
  assert.equal(shape(sum), '2×2');
  assert.ok((sum as TensorValue).data instanceof Float64Array);
  assert.deepEqual(entries(sum), [2, -1, 4, 5]);
  assert.deepEqual(entries(run('10 - W', scope)), [9, 12, 7, 6]);
  assert.deepEqual(entries(run('W * W', scope)), [1, 4, 9, 16]);
  assert.deepEqual(entries(run('W / 2', scope)), [0.5, -1, 1.5, 2]);
  assert.deepEqual(entries(run('2 ^ W', scope)), [2, 0.25, 8, 16]);
  assert.deepEqual(entries(run('W - hidden.W', scope)), [1 - 0.1, -2 - 0.2, 3 - 0.3, 4 - 0.4]);
  assertFails('W + dW', /'\+' needs tensors of the same shape, not 2×2 and 2×1/, 3);
  assertFails('W * phase', /'\*' needs numbers or tensors, not a 2×2 tensor and a string/, 3);
  assertFails('W > 1', /'>' compares numbers, not a 2×2 tensor and a number; compare a summary instead/, 3);
  assertFails('W == W', /'==' compares two numbers, strings or booleans, not a 2×2 tensor/, 3);
  assertFails('true + 1', /'\+' needs numbers or tensors, not a boolean and a number/, 6);
});

test('an operator error points at that operator, however deep it sits', () => {
  assertFails('norm(W + 1) * (dW - hidden.a)', /'-' needs tensors of the same shape, not 2×1 and 1×2/, 19);
  assertFails('(W + 1) + (dW + b)', /'\+' needs tensors of the same shape, not 2×1 and 1×3/, 15);
  assertFails('-W ^ 2 + dW', /'\+' needs tensors of the same shape, not 2×2 and 2×1/, 8);
  assertFails('max(1, 2 ^ 2) > 3 && W[0][0] + phase', /'\+' needs numbers or tensors, not a number and a string/, 30);
});

test('indexing: row then column; a 1×n tensor reads like a vector; one index of a matrix is a row', () => {
  assert.equal(run('W[0][1]'), -2);
  assert.equal(run('W[1][0]'), 3);
  assert.equal(run('W[0 + 1][2 - 1]'), 4);
  assert.equal(run('b[2]'), 2);
  assert.equal(run('b[0][2]'), 2);
  const row = run('W[1]');
  assert.equal(shape(row), '1×2');
  assert.deepEqual(entries(row), [3, 4]);
  assert.equal(run('W[1][1] == W[1][1]'), true);
  assertFails('W[2][0]', /row index 2 is out of range for a 2×2 tensor \(rows 0…1\)/, 3);
  assertFails('W[0][5]', /column index 5 is out of range for a 2×2 tensor \(columns 0…1\)/, 6);
  assertFails('b[3]', /column index 3 is out of range for a 1×3 tensor/, 3);
  assertFails('W[-1][0]', /row index -1 is out of range/, 3);
  assertFails('W[0.5][0]', /index 0.5 is not a whole number/, 3);
  assertFails('W[phase][0]', /an index must be a number, not a string/, 3);
  assertFails('loss[0]', /cannot index a number/, 6);
  assertFails('W[0][0][0]', /a tensor has two dimensions: index it as W\[row\]\[column\]/, 9);
});

test('functions: norm min max mean sum abs count any all isnan isfinite', () => {
  assert.equal(run('norm(W)'), Math.sqrt(1 + 4 + 9 + 16));
  assert.equal(run('norm(-3)'), 3);
  assert.equal(run('min(W)'), -2);
  assert.equal(run('max(W)'), 4);
  assert.equal(run('min(3, -1, 2)'), -1);
  assert.equal(run('max(3, -1, 2)'), 3);
  assert.equal(run('max(loss)'), 0.2);
  assert.equal(run('sum(W)'), 6);
  assert.equal(run('mean(W)'), 1.5);
  assert.equal(run('sum(4)'), 4);
  assert.deepEqual(entries(run('abs(W)')), [1, 2, 3, 4]);
  assert.equal(run('abs(-2.5)'), 2.5);
  assert.equal(run('count(W)'), 4);
  assert.equal(run('count(b)'), 3);
  assert.equal(run('count(7)'), 1);
  assert.equal(run('any(W - W)'), false);
  assert.equal(run('any(W)'), true);
  assert.equal(run('all(W)'), true);
  assert.equal(run('all(bad)'), false);
  assert.equal(run('any(isnan(dW))'), false);
  assert.equal(run('any(isnan(bad))'), true);
  assert.equal(run('sum(isnan(bad))'), 1);
  assert.deepEqual(entries(run('isnan(bad)')), [0, 1, 0, 0]);
  assert.deepEqual(entries(run('isfinite(bad)')), [1, 0, 0, 1]);
  assert.equal(run('all(isfinite(W))'), true);
  assert.equal(run('all(isfinite(bad))'), false);
  assert.equal(run('isnan(0 / 0)'), true);
  assert.equal(run('isnan(loss)'), false);
  assert.equal(run('isfinite(1 / 0)'), false);
  assert.equal(run('isfinite(lr)'), true);
  assert.ok(Number.isNaN(run('max(bad)')), 'NaN propagates through max');
  assert.ok(Number.isNaN(run('norm(bad)')), 'a NaN entry makes the norm NaN, even beside an infinite one');
});

test('norm does not overflow on exploding entries', () => {
  const scope = workedScope();
  scope.names.huge = tensor(1, 2, [3e200, 4e200]);
  const norm = run('norm(huge)', scope) as number;
  assert.ok(Math.abs(norm / 5e200 - 1) < 1e-15, String(norm));
});

test('calls are checked: arity, unknown functions, non-functions, arguments of the wrong kind', () => {
  assertFails('norm()', /norm takes 1 argument, not 0: norm\(t\)/, 1);
  assertFails('norm(W, W)', /norm takes 1 argument, not 2/, 1);
  assertFails('max()', /max takes 1 or more arguments, not 0/, 1);
  assertFails('loss + sqrt(2)', /'sqrt' is not a function; the functions are norm, min, max/, 8);
  assertFails('loss(1)', /'loss' is not a function/, 1);
  assertFails('1 + norm', /norm is a function/, 5);
  assertFails('min(W, 1)', /min of several values takes numbers, not a 2×2 tensor; use min\(t\) for a tensor/, 1);
  assertFails('1 + norm(phase)', /norm needs a number or a tensor, not a string/, 5);
  assertFails('count(true)', /count needs a number or a tensor, not a boolean/, 1);
});

test('the worked example, by name and through layer.member', () => {
  const normDW = Math.sqrt(1.15038 ** 2 + 1.1039 ** 2);
  assert.equal(run('norm(output.dW)'), normDW);
  assert.equal(run('norm(dW)'), normDW);
  assert.equal(run('output.dW[1][0]'), 1.1039);
  assert.equal(run('output.dW[0][0]'), 1.15038);
  assert.equal(run('hidden.a[0][1]'), 0.95);
  assert.equal(run('hidden.a[0][1] > 0.9 && phase == "backward"'), true);
  assert.equal(run('hidden.a[0][1] > 0.96 && phase == "backward"'), false);
  assert.equal(formatValue(run('norm(output.dW)')), '1.59436');
  assert.equal(formatValue(run('output.dW')), '2×1 · min 1.1039 · max 1.15038 · ‖·‖ 1.59436');
  assert.equal(formatValue(run('hidden.a')), '1×2 · min 0.95 · max 0.99 · ‖·‖ 1.37208');
});

test('unknown names list what there is, with a did-you-mean', () => {
  assertFails(
    'foo',
    /^unknown name 'foo'; try one of: epoch, batch, step, phase, layer, loss, lr, W, b, dW, z, bad/,
    1,
  );
  assertFails('foo', /or a layer's member such as hidden\.a \(layers: hidden, output\)$/);
  assertFails('1 + dw', /^unknown name 'dw' \(did you mean 'dW'\?\)/, 5);
  assertFails('los > 1', /did you mean 'loss'/, 1);
  assertFails('hidden', /^hidden is a layer; name one of its members: hidden\.a, hidden\.W$/, 1);
  assertFails('hidden.dW', /^layer 'hidden' has no member 'dW'; it has: a, W$/, 8);
  assertFails(
    'input.a',
    /^'input' is not a layer; member access works only as layer\.member, with layers: hidden, output$/,
    1,
  );
  assertFails('loss.y', /'loss' is not a layer/, 1);
  assertFails('null', /unknown name 'null'/, 1);
});

test('a name not computed yet says so; a failing or foreign value is an ExpressionError', () => {
  assertFails('norm(z)', /^z is not computed yet at this step$/, 6);
  assertFails('output.db', /^output\.db is not computed yet at this step$/, 8);
  assertFails('loss', /^loss is not computed yet at this step$/, 1, {
    names: { loss: () => null as unknown as Value },
    layers: {},
  });
  const scope = workedScope();
  scope.names.broken = () => {
    throw new TypeError('trace missing');
  };
  scope.names.foreign = { kind: 'tensor', rows: 3, cols: 3, data: [1] } as TensorValue;
  scope.names.object = (() => ({ toString: () => 'x' })) as unknown as () => Value;
  assertFails('broken + 1', /^computing broken failed: trace missing$/, 1, scope);
  assertFails('foreign', /foreign holds a value expressions cannot read/, 1, scope);
  assertFails('object', /object holds a value expressions cannot read/, 1, scope);
});

test('lazy names are computed only when read, and once per evaluation', () => {
  let zBuilt = 0;
  let dWBuilt = 0;
  const scope: ExpressionScope = {
    names: {
      loss: 0.2,
      z: () => {
        zBuilt++;
        return tensor(1, 1, [1]);
      },
      dW: () => {
        dWBuilt++;
        return tensor(1, 2, [3, 4]);
      },
    },
    layers: { output: { dW: () => (dWBuilt++, tensor(1, 1, [2])) } },
  };
  const condition = compileExpression('norm(dW) > 1 && norm(dW) < 9');
  assert.equal(condition.evaluate(scope), true);
  assert.equal(dWBuilt, 1, 'read twice, built once');
  assert.equal(zBuilt, 0, 'z is never read');
  assert.equal(condition.evaluate(scope), true);
  assert.equal(dWBuilt, 2, 'each evaluation reads the current step afresh');
  assert.equal(evaluateExpression('loss', scope), 0.2);
  assert.equal(evaluateExpression('output.dW[0]', scope), 2);
  assert.equal(dWBuilt, 3);
  assert.equal(zBuilt, 0);
});

test('compile once, evaluate against many scopes', () => {
  const compiled = compileExpression('loss * 2');
  assert.equal(compiled.source, 'loss * 2');
  assert.equal(compiled.evaluate({ names: { loss: 1 }, layers: {} }), 2);
  assert.equal(compiled.evaluate({ names: { loss: 3 }, layers: {} }), 6);
});

test('parse errors carry jsep’s position as a 1-based column', () => {
  assertFails('norm(', /^expected \)$/, 6);
  assertFails('(1 + 2', /unclosed \(/i, 7);
  assertFails('1 +', /expected expression after \+/, 4);
  assertFails('', /the expression is empty/, 1);
  assertFails('   ', /the expression is empty/, 1);
  assertFails('1 2', /one expression at a time/, 3);
  assertFails('"backward', /unclosed quote/i, 10);
  assertFails('2 ** 3', /\^ is the power/, 4);
  assertFails('1 % 2', /unexpected "%" \(the operators are/, 3);
  assertFails('a & b', /unexpected "&"/, 3);
  assertFails('~1', /unexpected "~"/, 1);
  assertFails('a ? 1 : 2', /the conditional operator \?: is not supported/, 1);
  assertFails('(1, 2)', /commas only separate function arguments/, 1);
  assertFails('1a', /variable names cannot start with a number/i, 2);
});

test('hostile expressions are ExpressionErrors with a column, never another exception', () => {
  const cases: [string, RegExp, number][] = [
    ['constructor.constructor("return process")()', /only the functions norm, .* can be called/, 1],
    ['constructor', /'constructor' is not allowed in an expression/, 1],
    ['__proto__', /'__proto__' is not allowed in an expression/, 1],
    ['a.__proto__', /'__proto__' is not allowed in an expression/, 3],
    ['hidden.constructor', /'constructor' is not allowed in an expression/, 8],
    ['hidden.prototype', /'prototype' is not allowed in an expression/, 8],
    ['toString', /unknown name 'toString'/, 1],
    ['hidden.toString', /layer 'hidden' has no member 'toString'/, 8],
    ['hasOwnProperty("loss")', /'hasOwnProperty' is not a function/, 1],
    ['W["constructor"]', /an index must be a number, not a string/, 3],
    ['W.constructor', /'constructor' is not allowed/, 3],
    ['this', /'this' is not available/, 1],
    ['this.loss', /member access works only as layer\.member/, 6],
    ['[1, 2]', /array literals are not supported/, 1],
    ['norm([1, 2])', /array literals are not supported/, 6],
    ['x => x', /unexpected "=" \(expressions cannot assign; compare with '=='\)/, 3],
    ['a = 1', /unexpected "=" \(expressions cannot assign/, 3],
    ['loss = 1', /expressions cannot assign/, 6],
    ['a++', /expected a value after the operator/, 4],
    ['a += 1', /expected expression after \+ \(expressions cannot assign/, 4],
    ['loss; process', /one expression at a time/, 7],
    ['`${loss}`', /template strings are not supported/, 1],
    ['{}', /object literals are not supported/, 1],
    ['loss?.x', /'\?\.' is not supported/, 7],
    ['(1).x', /member access works only as layer\.member/, 5],
    ['hidden.a.b', /member access works only as layer\.member/, 10],
    ['norm(W).constructor', /'constructor' is not allowed|member access works only/, 9],
  ];
  for (const [source, message, column] of cases) assertFails(source, message, column);
});

test('the limits: length, bracket depth, tree depth', () => {
  assertFails('1'.padEnd(10_001, ' '), /10001 characters long; the limit is 10000/, 1);
  assert.equal(run('1'.padEnd(10_000, ' ')), 1, 'exactly at the limit parses');
  assertFails('x'.repeat(100 * 1024), /characters long/, 1);
  assertFails(`${'('.repeat(5000)}1`, /brackets are nested more than 64 deep/, 65);
  assertFails(`${'('.repeat(4000)}1${')'.repeat(4000)}`, /brackets are nested more than 64 deep/, 65);
  assertFails('W' + '[0]'.repeat(5000), /characters long|nested|two dimensions/);
  assertFails('-'.repeat(9000) + '1', /nested too deeply|nested more than 64 deep/, 1);
  assertFails('!'.repeat(100) + '1', /nested more than 64 deep/);
  assertFails(Array(100).fill('1').join(' + '), /nested more than 64 deep/, 1);
  assert.equal(run(`${'('.repeat(60)}1${')'.repeat(60)}`), 1, 'deep but within the limit');
  assert.equal(run(`"${'('.repeat(100)}"`), '('.repeat(100));
  assert.equal(run(`phase == "${'('.repeat(100)}"`), false, 'brackets inside a string do not count');
});

test('a generated storm of malformed expressions only ever raises ExpressionError', () => {
  const pieces = ['W', 'dW', 'hidden', '.', 'a', '[', ']', '(', ')', '0', '1.5', '"s"', '+', '-', '*', '/', '^'];
  pieces.push('==', '<', '&&', '||', '!', ',', 'norm', 'min', 'constructor', '__proto__', '?', ':', '=', '`', ' ');
  let seed = 12345;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < 3000; i++) {
    const length = 1 + random(12);
    const source = Array.from({ length }, () => pieces[random(pieces.length)]).join('');
    try {
      const value = run(source);
      assert.ok(['number', 'string', 'boolean', 'object'].includes(typeof value), source);
    } catch (error) {
      assert.ok(error instanceof ExpressionError, `${source}: ${String(error)}`);
      assert.ok(error.column >= 1 && error.column <= source.length + 1, `${source}: column ${error.column}`);
    }
  }
});

test('formatValue: significant digits without float noise, tensors as a summary', () => {
  assert.equal(formatValue(0.1 + 0.2), '0.3');
  assert.equal(formatValue(1 / 3), '0.333333');
  assert.equal(formatValue(1 / 3, 3), '0.333');
  assert.equal(formatValue(-2.5), '-2.5');
  assert.equal(formatValue(42), '42');
  assert.equal(formatValue(123456789), '123456789', 'whole numbers print whole');
  assert.equal(formatValue(123456.7), '123457');
  assert.equal(formatValue(1234567.5), '1.23457e+6');
  assert.equal(formatValue(3.2e-9), '3.2e-9');
  assert.equal(formatValue(0.000123456789), '0.000123457');
  assert.equal(formatValue(1e21), '1e+21');
  assert.equal(formatValue(-0), '0');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(Infinity), 'Infinity');
  assert.equal(formatValue(-Infinity), '-Infinity');
  assert.equal(formatValue('backward'), '"backward"');
  assert.equal(formatValue('say "hi"'), '"say \\"hi\\""');
  assert.equal(formatValue(true), 'true');
  assert.equal(formatValue(false), 'false');
  assert.equal(formatValue(tensor(2, 2, [1, -2, 3, 4])), '2×2 · min -2 · max 4 · ‖·‖ 5.47723');
  assert.equal(formatValue(tensor(2, 2, [1, -2, 3, 4]), 3), '2×2 · min -2 · max 4 · ‖·‖ 5.48');
  assert.equal(formatValue(tensor(1, 3, [1, NaN, 2])), '1×3 · min 1 · max 2 · ‖·‖ NaN · 1 NaN');
  assert.equal(formatValue(tensor(1, 2, [NaN, NaN])), '1×2 · ‖·‖ NaN · 2 NaN');
  assert.equal(formatValue(tensor(0, 3, [])), '0×3 · empty');
  assert.equal(formatValue(new Float64Array([0.5])[0]), '0.5');
  assert.equal(formatValue(run('0.1 * 3')), '0.3');
});

test('truthy: what a breakpoint condition accepts', () => {
  assert.equal(truthy(1), true);
  assert.equal(truthy(-0.5), true);
  assert.equal(truthy(0), false);
  assert.equal(truthy(NaN), false);
  assert.equal(truthy(true), true);
  assert.equal(truthy(false), false);
  assert.equal(truthy('x'), true);
  assert.equal(truthy(''), false);
  assert.throws(
    () => truthy(tensor(2, 1, [1, 2])),
    (error: unknown) =>
      error instanceof ExpressionError &&
      error.message.startsWith('a condition must be a number or a comparison, not a 2×1 tensor'),
  );
});

test('interpolate: each {expr} formatted; a failing one reads {error: …} without throwing', () => {
  const scope = workedScope();
  assert.equal(interpolate('loss = {loss}, ‖dW‖ = {norm(dW)}', scope), 'loss = 0.2, ‖dW‖ = 1.59436');
  assert.equal(interpolate('‖dW‖ = {norm(dW)}', scope, 3), '‖dW‖ = 1.59');
  assert.equal(
    interpolate('{phase} at {layer}: {dW}', scope),
    '"backward" at "output": 2×1 · min 1.1039 · max 1.15038 · ‖·‖ 1.59436',
  );
  assert.equal(
    interpolate('a {foo} b', scope),
    "a {error: unknown name 'foo'; try one of: epoch, batch, step, phase, layer, loss, lr, W, b, dW, z, bad, or a layer's member such as hidden.a (layers: hidden, output)} b",
  );
  assert.equal(interpolate('z = {norm(z)}', scope), 'z = {error: z is not computed yet at this step}');
  assert.equal(interpolate('{norm(}', scope), '{error: expected )}');
  assert.equal(interpolate('{phase == "}"}!', scope), 'false!', 'a brace inside a string does not close');
  assert.equal(interpolate('no expressions', scope), 'no expressions');
  assert.equal(interpolate('open {loss', scope), 'open {loss', 'an unclosed brace is plain text');
  assert.equal(interpolate('}{loss}{', scope), '}0.2{');
  assert.equal(interpolate('{}', scope), '{error: the expression is empty}');
  // The second time, the parsed template is reused and reads the new scope.
  scope.names.loss = 0.125;
  assert.equal(interpolate('loss = {loss}, ‖dW‖ = {norm(dW)}', scope), 'loss = 0.125, ‖dW‖ = 1.59436');
});
