// The debugger's small, safe expression language (Watch, Debug Console, hovers, breakpoint conditions,
// logpoints). jsep parses; the tree is compiled once into closures that read only the scope's tables, so a
// condition evaluated many times per second is a plain tree walk. Nothing here can reach a JavaScript property
// outside those tables: names resolve through Object.hasOwn, functions through a Map.
import jsep from 'jsep';
import {
  ExpressionError,
  FUNCTIONS,
  describe,
  elementwise,
  formatValue,
  isTensor,
  mapEntries,
  shapeOf,
  tensor,
  type TensorValue,
  type Value,
} from './expressionFunctions';

export { ExpressionError, formatValue } from './expressionFunctions';
export type { TensorValue, Value } from './expressionFunctions';

/** A name's value, computed only when an expression reads it (a condition `norm(dW) > 1` must not build z). */
export type Lazy = Value | (() => Value | undefined);

export interface ExpressionScope {
  /** Bare names: epoch, batch, step, phase, layer, loss, lr, and in a layer frame W b z a delta dW db dW_applied … */
  names: Record<string, Lazy>;
  /** `hidden.dW`: members of any layer by layer name. */
  layers: Record<string, Record<string, Lazy>>;
}

export interface CompiledExpression {
  readonly source: string;
  evaluate(scope: ExpressionScope): Value;
}

const MAX_SOURCE_LENGTH = 10_000;
const MAX_DEPTH = 64;
/** Names no table may hold, refused before any lookup so they fail the same way in every scope. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

// ---- Parsing -------------------------------------------------------------------------------------------

// jsep's operator table is process-wide and this module is its only user, so it is set once here: only the
// operators the language has, with ^ as right-associative power (jsep's ^ is xor). Everything removed
// (% | & << === ~ ?? ** null) is then a parse error with a column instead of a node to reject later.
jsep.removeAllBinaryOps();
for (const [operator, precedence] of [
  ['||', 1],
  ['&&', 2],
  ['==', 6],
  ['!=', 6],
  ['<', 7],
  ['<=', 7],
  ['>', 7],
  ['>=', 7],
  ['+', 9],
  ['-', 9],
  ['*', 10],
  ['/', 10],
] as const)
  jsep.addBinaryOp(operator, precedence);
jsep.addBinaryOp('^', 11, true);
jsep.removeUnaryOp('~');
jsep.removeLiteral('null');

type Node = jsep.Expression;

/** The part of jsep's parser class this module extends (exported at runtime as `jsep.Jsep`, untyped). */
interface JsepParser {
  index: number;
  parse(): Node;
  gobbleSpaces(): void;
  gobbleToken(): Node | false;
  gobbleIdentifier(): Node;
  gobbleBinaryOp(): string | false;
  gobbleGroup(): Node | false;
}
const JsepParser = (jsep as unknown as { Jsep: new (source: string) => JsepParser }).Jsep;

/** jsep's nodes carry no positions; this parser records where tokens, identifiers and operators start. */
class PositionedParser extends JsepParser {
  readonly starts = new WeakMap<Node, number>();
  readonly parenthesized = new WeakSet<Node>();
  /** Binary operators' indexes in source order, which is also the order an in-order walk meets them. */
  readonly operatorStarts: number[] = [];

  override gobbleToken(): Node | false {
    this.gobbleSpaces();
    const start = this.index;
    const node = super.gobbleToken();
    if (node && !this.starts.has(node)) this.starts.set(node, start);
    return node;
  }

  override gobbleIdentifier(): Node {
    const start = this.index;
    const node = super.gobbleIdentifier();
    this.starts.set(node, start);
    return node;
  }

  override gobbleBinaryOp(): string | false {
    this.gobbleSpaces();
    const start = this.index;
    const operator = super.gobbleBinaryOp();
    if (operator) this.operatorStarts.push(start);
    return operator;
  }

  override gobbleGroup(): Node | false {
    const node = super.gobbleGroup();
    if (node) this.parenthesized.add(node);
    return node;
  }
}

function parse(source: string): PositionedParser & { root: Node } {
  if (source.length > MAX_SOURCE_LENGTH)
    throw new ExpressionError(
      `the expression is ${source.length} characters long; the limit is ${MAX_SOURCE_LENGTH}`,
      1,
    );
  checkBracketDepth(source);
  const parser = new PositionedParser(source);
  try {
    return Object.assign(parser, { root: parser.parse() });
  } catch (error) {
    throw parseError(error, source);
  }
}

/** jsep parses brackets by recursion: refuse deep nesting before it can exhaust the stack. */
function checkBracketDepth(source: string): void {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') {
      if (++depth > MAX_DEPTH) throw new ExpressionError(`brackets are nested more than ${MAX_DEPTH} deep`, i + 1);
    } else if (ch === ')' || ch === ']') depth = Math.max(0, depth - 1);
  }
}

const OPERATORS_HELP = 'the operators are + - * / ^ < <= > >= == != && || !';
const PARSE_HINTS: Record<string, string> = {
  '=': "expressions cannot assign; compare with '=='",
  '`': 'template strings are not supported; a logpoint puts {expr} in plain text',
  '%': OPERATORS_HELP,
  '&': OPERATORS_HELP,
  '|': OPERATORS_HELP,
  '~': OPERATORS_HELP,
  '*': `${OPERATORS_HELP} (^ is the power)`,
  '{': 'object literals are not supported',
};

function parseError(error: unknown, source: string): ExpressionError {
  // Unary chains and ternaries recurse in jsep too; the length limit keeps this rare, not impossible.
  if (error instanceof RangeError) return new ExpressionError('the expression is nested too deeply', 1);
  const { index, description } = error as { index?: unknown; description?: unknown };
  if (typeof index !== 'number' || typeof description !== 'string')
    return new ExpressionError(`cannot parse: ${messageOf(error)}`, 1);
  const text = description.replace('missing unaryOp argument', 'expected a value after the operator');
  const hint = Object.hasOwn(PARSE_HINTS, source[index]) ? ` (${PARSE_HINTS[source[index]]})` : '';
  return new ExpressionError(text.charAt(0).toLowerCase() + text.slice(1) + hint, index + 1);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- Compiling -----------------------------------------------------------------------------------------

interface Evaluation {
  scope: ExpressionScope;
  /** Lazy names already computed by this evaluation, so `norm(dW) > 1 && norm(dW) < 9` builds dW once. */
  computed?: Map<string, Value>;
}
type Evaluator = (evaluation: Evaluation) => Value;

const ARITHMETIC = new Map<string, (a: number, b: number) => number>([
  ['+', (a, b) => a + b],
  ['-', (a, b) => a - b],
  ['*', (a, b) => a * b],
  ['/', (a, b) => a / b],
  ['^', (a, b) => a ** b],
]);
const ORDERINGS = new Map<string, (a: number, b: number) => boolean>([
  ['<', (a, b) => a < b],
  ['<=', (a, b) => a <= b],
  ['>', (a, b) => a > b],
  ['>=', (a, b) => a >= b],
]);

class Compiler {
  private nextOperator = 0;

  constructor(private readonly parsed: PositionedParser) {}

  /** 1-based column of a node: its own start, else its leftmost part's (binary and member nodes have none). */
  column(node: Node): number {
    for (let current: unknown = node; current && typeof current === 'object';) {
      const start = this.parsed.starts.get(current as Node);
      if (start !== undefined) return start + 1;
      const n = current as Record<string, unknown>;
      current = n.left ?? n.object ?? n.callee ?? n.argument ?? n.test ?? (n.body as unknown[])?.[0];
    }
    return 1;
  }

  fail(node: Node, message: string): never {
    throw new ExpressionError(message, this.column(node));
  }

  compile(node: Node, depth: number): Evaluator {
    if (depth > MAX_DEPTH) this.fail(node, `the expression is nested more than ${MAX_DEPTH} deep`);
    switch (node.type) {
      case 'Literal':
        return this.literal(node as jsep.Literal);
      case 'Identifier':
        return this.name(node as jsep.Identifier);
      case 'MemberExpression':
        return (node as jsep.MemberExpression).computed
          ? this.index(node as jsep.MemberExpression, depth)
          : this.layerMember(node as jsep.MemberExpression);
      case 'CallExpression':
        return this.call(node as jsep.CallExpression, depth);
      case 'UnaryExpression':
        return this.unary(node as jsep.UnaryExpression, depth);
      case 'BinaryExpression':
        return this.binary(node as jsep.BinaryExpression, depth);
      case 'Compound': {
        const body = (node as jsep.Compound).body;
        if (body.length === 0) this.fail(node, 'the expression is empty');
        return this.fail(body[1], 'one expression at a time: this one follows another without an operator');
      }
      case 'SequenceExpression':
        return this.fail(node, 'commas only separate function arguments');
      case 'ConditionalExpression':
        return this.fail(node, 'the conditional operator ?: is not supported');
      case 'ArrayExpression':
        return this.fail(node, 'array literals are not supported; index a tensor instead, e.g. W[0][1]');
      case 'ThisExpression':
        return this.fail(node, "'this' is not available");
      default:
        return this.fail(node, `unsupported syntax (${node.type})`);
    }
  }

  literal(node: jsep.Literal): Evaluator {
    const value = node.value;
    if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean')
      this.fail(node, `unsupported literal ${String(node.raw)}`);
    return () => value;
  }

  checkAllowed(node: jsep.Identifier): string {
    if (FORBIDDEN_NAMES.has(node.name)) this.fail(node, `'${node.name}' is not allowed in an expression`);
    return node.name;
  }

  name(node: jsep.Identifier): Evaluator {
    const name = this.checkAllowed(node);
    if (FUNCTIONS.has(name)) this.fail(node, `${name} is a function: ${FUNCTIONS.get(name)!.usage}`);
    const column = this.column(node);
    return (evaluation) => {
      const { names } = evaluation.scope;
      if (!Object.hasOwn(names, name)) throw unknownName(evaluation.scope, name, column);
      return force(evaluation, name, names[name], column);
    };
  }

  /** `hidden.dW`: the only member access there is. */
  layerMember(node: jsep.MemberExpression): Evaluator {
    if (node.optional) this.fail(node.property, "'?.' is not supported; write layer.member");
    if (node.object.type !== 'Identifier')
      this.fail(node.property, 'member access works only as layer.member, e.g. hidden.dW');
    const layer = this.checkAllowed(node.object as jsep.Identifier);
    const member = this.checkAllowed(node.property as jsep.Identifier);
    const layerColumn = this.column(node.object);
    const memberColumn = this.column(node.property);
    return (evaluation) => {
      const { layers } = evaluation.scope;
      if (!Object.hasOwn(layers, layer))
        throw new ExpressionError(
          `'${layer}' is not a layer; member access works only as layer.member, with layers: ${listOf(Object.keys(layers))}`,
          layerColumn,
        );
      const members = layers[layer];
      if (!Object.hasOwn(members, member))
        throw new ExpressionError(
          `layer '${layer}' has no member '${member}'; it has: ${listOf(Object.keys(members))}`,
          memberColumn,
        );
      return force(evaluation, `${layer}.${member}`, members[member], memberColumn);
    };
  }

  /** `b[2]`, `W[0]` (a row), `W[0][1]` (row, then column). A tensor has two dimensions, so at most two indexes. */
  index(node: jsep.MemberExpression, depth: number): Evaluator {
    const indexes: Node[] = [];
    let base: Node = node;
    while (base.type === 'MemberExpression' && (base as jsep.MemberExpression).computed) {
      indexes.unshift((base as jsep.MemberExpression).property);
      base = (base as jsep.MemberExpression).object;
    }
    if (indexes.length > 2) this.fail(indexes[2], 'a tensor has two dimensions: index it as W[row][column]');
    for (const index of indexes)
      if (index.type === 'Literal' && typeof (index as jsep.Literal).value === 'string')
        this.fail(index, 'an index must be a number, not a string');
    const target = this.compile(base, depth + 1);
    const [row, col] = indexes.map((index) => ({ at: this.compile(index, depth + 1), column: this.column(index) }));
    return (evaluation) => {
      const value = target(evaluation);
      if (!isTensor(value)) throw new ExpressionError(`cannot index ${describe(value)}`, row.column);
      if (col) {
        const i = checkIndex(row.at(evaluation), value.rows, value, 'row', row.column);
        const j = checkIndex(col.at(evaluation), value.cols, value, 'column', col.column);
        return value.data[i * value.cols + j];
      }
      // A 1×n tensor (a bias, one sample's activations) is read like a vector; otherwise one index picks a row.
      if (value.rows === 1) return value.data[checkIndex(row.at(evaluation), value.cols, value, 'column', row.column)];
      const i = checkIndex(row.at(evaluation), value.rows, value, 'row', row.column);
      const out = new Float64Array(value.cols);
      for (let j = 0; j < value.cols; j++) out[j] = value.data[i * value.cols + j];
      return tensor(1, value.cols, out);
    };
  }

  call(node: jsep.CallExpression, depth: number): Evaluator {
    const functionList = [...FUNCTIONS.keys()].join(', ');
    if (node.callee.type !== 'Identifier') this.fail(node.callee, `only the functions ${functionList} can be called`);
    const name = this.checkAllowed(node.callee as jsep.Identifier);
    const spec = FUNCTIONS.get(name);
    if (!spec) return this.fail(node.callee, `'${name}' is not a function; the functions are ${functionList}`);
    const count = node.arguments.length;
    if (count < spec.minArgs || count > spec.maxArgs)
      this.fail(node.callee, `${name} takes ${arity(spec.minArgs, spec.maxArgs)}, not ${count}: ${spec.usage}`);
    const args = node.arguments.map((arg) => this.compile(arg, depth + 1));
    const column = this.column(node.callee);
    return (evaluation) => {
      const values = args.map((arg) => arg(evaluation));
      try {
        return spec.apply(values);
      } catch (error) {
        throw new ExpressionError(messageOf(error), column);
      }
    };
  }

  unary(node: jsep.UnaryExpression, depth: number): Evaluator {
    const argument = this.compile(node.argument, depth + 1);
    const column = this.column(node);
    if (node.operator === '!') return (evaluation) => !truthyAt(argument(evaluation), column);
    const sign = node.operator === '-' ? -1 : 1;
    return (evaluation) => {
      const value = argument(evaluation);
      if (typeof value === 'number') return sign * value;
      if (isTensor(value)) return mapEntries(value, (x) => sign * x);
      throw new ExpressionError(`unary '${node.operator}' needs a number or a tensor, not ${describe(value)}`, column);
    };
  }

  binary(node: jsep.BinaryExpression, depth: number): Evaluator {
    const { operator, left, right } = node;
    if (operator === '^' && left.type === 'UnaryExpression' && !this.parsed.parenthesized.has(left)) {
      // jsep binds a prefix operator tighter than any binary one; mathematics (and Python) read -x^2 as -(x^2).
      const { operator: prefix, argument } = left as jsep.UnaryExpression;
      const power: jsep.BinaryExpression = { type: 'BinaryExpression', operator, left: argument, right };
      return this.compile({ type: 'UnaryExpression', operator: prefix, argument: power, prefix: true }, depth);
    }
    const l = this.compile(left, depth + 1);
    const column = this.parsed.operatorStarts[this.nextOperator++] + 1;
    const r = this.compile(right, depth + 1);
    if (operator === '&&') return (evaluation) => truthyAt(l(evaluation), column) && truthyAt(r(evaluation), column);
    if (operator === '||') return (evaluation) => truthyAt(l(evaluation), column) || truthyAt(r(evaluation), column);
    const arithmetic = ARITHMETIC.get(operator);
    if (arithmetic)
      return (evaluation) => {
        const [a, b] = [l(evaluation), r(evaluation)];
        try {
          return elementwise(operator, arithmetic, a, b);
        } catch (error) {
          throw new ExpressionError(messageOf(error), column);
        }
      };
    if (operator === '==' || operator === '!=') {
      const equal = operator === '==';
      return (evaluation) => {
        const [a, b] = [l(evaluation), r(evaluation)];
        if (isTensor(a) || isTensor(b) || typeof a !== typeof b)
          throw new ExpressionError(
            `'${operator}' compares two numbers, strings or booleans, not ${describe(a)} and ${describe(b)}${tensorHint(a, b)}`,
            column,
          );
        return (a === b) === equal;
      };
    }
    const ordering = ORDERINGS.get(operator);
    if (!ordering) return this.fail(node, `unsupported operator '${operator}'`);
    return (evaluation) => {
      const [a, b] = [l(evaluation), r(evaluation)];
      if (typeof a !== 'number' || typeof b !== 'number')
        throw new ExpressionError(
          `'${operator}' compares numbers, not ${describe(a)} and ${describe(b)}${tensorHint(a, b)}`,
          column,
        );
      return ordering(a, b);
    };
  }
}

function tensorHint(a: Value, b: Value): string {
  return isTensor(a) || isTensor(b) ? '; compare a summary instead, e.g. norm(dW) > 1 or max(abs(dW)) > 1' : '';
}

function arity(min: number, max: number): string {
  if (max === Infinity) return `${min} or more arguments`;
  return min === max ? `${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
}

function checkIndex(index: Value, size: number, t: TensorValue, axis: string, column: number): number {
  if (typeof index !== 'number') throw new ExpressionError(`an index must be a number, not ${describe(index)}`, column);
  if (!Number.isInteger(index)) throw new ExpressionError(`index ${index} is not a whole number`, column);
  if (index < 0 || index >= size)
    throw new ExpressionError(
      `${axis} index ${index} is out of range for a ${shapeOf(t)} tensor (${size > 0 ? `${axis}s 0…${size - 1}` : `it has no ${axis}s`})`,
      column,
    );
  return index;
}

// ---- Names ---------------------------------------------------------------------------------------------

function force(evaluation: Evaluation, key: string, lazy: Lazy | undefined, column: number): Value {
  if (typeof lazy !== 'function') return checkValue(key, lazy, column);
  const known = evaluation.computed?.get(key);
  if (known !== undefined) return known;
  let value: unknown;
  try {
    value = lazy();
  } catch (error) {
    throw new ExpressionError(`computing ${key} failed: ${messageOf(error)}`, column);
  }
  const checked = checkValue(key, value, column);
  (evaluation.computed ??= new Map()).set(key, checked);
  return checked;
}

/** The scope comes from the adapter; still, only the four kinds of value the language knows get through. */
function checkValue(key: string, value: unknown, column: number): Value {
  // null as well: a trace that went through JSON spells a missing number that way.
  if (value === undefined || value === null)
    throw new ExpressionError(`${key} is not computed yet at this step`, column);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  const t = value as Partial<TensorValue> | null;
  if (
    t !== null &&
    typeof t === 'object' &&
    t.kind === 'tensor' &&
    Number.isInteger(t.rows) &&
    Number.isInteger(t.cols) &&
    typeof t.data === 'object' &&
    t.data !== null &&
    t.data.length >= t.rows! * t.cols!
  )
    return t as TensorValue;
  throw new ExpressionError(`${key} holds a value expressions cannot read`, column);
}

function unknownName(scope: ExpressionScope, name: string, column: number): ExpressionError {
  if (Object.hasOwn(scope.layers, name)) {
    const members = Object.keys(scope.layers[name]).map((member) => `${name}.${member}`);
    return new ExpressionError(`${name} is a layer; name one of its members: ${listOf(members)}`, column);
  }
  const names = Object.keys(scope.names);
  const layers = Object.keys(scope.layers);
  const guess = closest(name, names);
  const example = layers.find((layer) => Object.keys(scope.layers[layer]).length > 0);
  const exampleMember = example === undefined ? '' : `${example}.${Object.keys(scope.layers[example])[0]}`;
  return new ExpressionError(
    `unknown name '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}; try one of: ${listOf(names)}` +
      (example === undefined ? '' : `, or a layer's member such as ${exampleMember} (layers: ${listOf(layers)})`),
    column,
  );
}

function listOf(items: string[]): string {
  if (items.length === 0) return '(none)';
  return items.length > 30 ? `${items.slice(0, 30).join(', ')}, …` : items.join(', ');
}

/** A did-you-mean: the same name in another case (dw → dW), or one within two edits. */
function closest(name: string, candidates: string[]): string | undefined {
  const sameLetters = candidates.find((c) => c.toLowerCase() === name.toLowerCase());
  if (sameLetters) return sameLetters;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance && distance < Math.max(name.length, candidate.length)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

// ---- The API -------------------------------------------------------------------------------------------

function truthyAt(value: Value, column: number): boolean {
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 0;
  throw new ExpressionError(
    `a condition must be a number or a comparison, not a ${shapeOf(value)} tensor; e.g. norm(x) > 1 or any(isnan(x))`,
    column,
  );
}

/** Whether a breakpoint condition holds: a number ≠ 0 and not NaN, true, or a non-empty string. */
export function truthy(value: Value): boolean {
  return truthyAt(value, 1);
}

function asExpressionError(error: unknown): ExpressionError {
  if (error instanceof ExpressionError) return error;
  if (error instanceof RangeError) return new ExpressionError('the expression is too deep to evaluate', 1);
  return new ExpressionError(`cannot evaluate: ${messageOf(error)}`, 1);
}

/** Parses and checks once; `evaluate` is then a walk over closures, safe to call on every step. */
export function compileExpression(source: string): CompiledExpression {
  if (typeof source !== 'string') throw new ExpressionError('an expression must be text', 1);
  let root: Evaluator;
  try {
    const parsed = parse(source);
    root = new Compiler(parsed).compile(parsed.root, 1);
  } catch (error) {
    throw asExpressionError(error);
  }
  return {
    source,
    evaluate(scope) {
      try {
        return root({ scope });
      } catch (error) {
        throw asExpressionError(error);
      }
    },
  };
}

export function evaluateExpression(source: string, scope: ExpressionScope): Value {
  return compileExpression(source).evaluate(scope);
}

type TemplatePart = string | CompiledExpression | ExpressionError;

/** A logpoint's template is parsed on its first hit, not on every one. */
const templates = new Map<string, TemplatePart[]>();
const MAX_TEMPLATES = 100;

/** Logpoint text: each `{expr}` evaluated and formatted; a failing one reads `{error: …}` instead of throwing. */
export function interpolate(template: string, scope: ExpressionScope, digits = 6): string {
  return templateParts(template)
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part instanceof ExpressionError) return `{error: ${part.message}}`;
      try {
        return formatValue(part.evaluate(scope), digits);
      } catch (error) {
        return `{error: ${messageOf(error)}}`;
      }
    })
    .join('');
}

function templateParts(template: string): TemplatePart[] {
  const known = templates.get(template);
  if (known) return known;
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const end = template[i] === '{' ? closingBrace(template, i + 1) : -1;
    if (end < 0) {
      text += template[i++];
      continue;
    }
    parts.push(text, compileOrError(template.slice(i + 1, end)));
    text = '';
    i = end + 1;
  }
  parts.push(text);
  if (templates.size >= MAX_TEMPLATES) templates.clear();
  templates.set(template, parts);
  return parts;
}

/** The `}` that closes an expression, skipping any inside a string literal; -1 leaves the `{` as plain text. */
function closingBrace(template: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < template.length; i++) {
    const ch = template[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '}') return i;
  }
  return -1;
}

function compileOrError(source: string): CompiledExpression | ExpressionError {
  try {
    return compileExpression(source);
  } catch (error) {
    return asExpressionError(error);
  }
}
