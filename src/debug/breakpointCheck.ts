// A debugger's breakpoints compiled into the StopCheck a session runs until, in the worker: sites, conditions,
// hit counts, logpoints and exception filters are all decided beside the engine, after every micro-step.

import type { TrainingSession, StopCheck } from '../engine/session';
import type { BreakpointHit, BreakpointSite, BreakpointSpec, BreakpointsUntil, Cursor, MicroStep } from '../protocol';
import { compileExpression, interpolate, truthy, type CompiledExpression } from './expression';
import { hitConditionHolds } from './hitCondition';
import { buildScope, microStepBefore, sessionSource } from './sessionScope';

export interface LogOutput {
  category: 'console' | 'stderr';
  text: string;
  breakpoint: number;
}

interface Compiled {
  spec: BreakpointSpec;
  condition?: CompiledExpression;
  /** Why the condition does not compile; reported at the first hit of its site. */
  compileError?: string;
}

/** Whether the session stands at a breakpoint's site (`did` is the micro-step just run). */
export function siteHolds(site: BreakpointSite, did: MicroStep | null, cursor: Cursor): boolean {
  switch (site.kind) {
    case 'layer':
      return !!did && did.layer === site.layer && (did.phase === 'forward' || did.phase === 'backward');
    case 'loss':
      return did?.phase === 'loss';
    case 'update':
      return did?.phase === 'update';
    case 'batchStart':
      return !cursor.finished && cursor.phase === 'forward' && cursor.layer === 0;
    case 'epochStart':
      return !cursor.finished && cursor.phase === 'forward' && cursor.layer === 0 && cursor.batch === 0;
  }
}

/**
 * Hit counts per breakpoint id, kept across runs (a Continue counts on from the last hit) until the breakpoint
 * is removed or the session is reset; and the breakpoints whose condition failed, which stop only once.
 */
export class BreakpointMonitor {
  private readonly hits = new Map<number, number>();
  private readonly failed = new Set<number>();

  constructor(private readonly log: (output: LogOutput) => void) {}

  reset(): void {
    this.hits.clear();
    this.failed.clear();
  }

  hitCount(id: number): number {
    return this.hits.get(id) ?? 0;
  }

  /**
   * The check for one run; `found` receives what stopped it. `quiet` (reverse continue's replay) neither prints
   * logpoints nor touches the real hit counts.
   */
  compile(
    session: TrainingSession,
    until: BreakpointsUntil,
    found: (hit: BreakpointHit) => void,
    options: { quiet?: boolean } = {},
  ): StopCheck {
    const ids = new Set(until.breakpoints.map((bp) => bp.id));
    for (const id of [...this.hits.keys()]) if (!ids.has(id)) this.hits.delete(id);
    for (const id of [...this.failed]) if (!ids.has(id)) this.failed.delete(id);
    // A replay counts its own hits from where it starts, and leaves the real counts alone.
    const hits = options.quiet ? new Map<number, number>() : this.hits;
    const failed = options.quiet ? new Set<number>() : this.failed;
    const compiled = until.breakpoints.map((spec): Compiled => {
      if (!spec.condition?.trim()) return { spec };
      try {
        return { spec, condition: compileExpression(spec.condition) };
      } catch (error) {
        return { spec, compileError: (error as Error).message };
      }
    });
    const exceptions = new Set(until.exceptions);
    const also = until.also ? session.stopCheck(until.also) : undefined;
    const source = sessionSource(session);
    let seen = session.diagnostics.length;
    const layerCount = session.model.layers.length;

    return () => {
      const cursor = session.cursor;
      const did = microStepBefore(cursor, layerCount, session.microPosition === 0);
      const hit: BreakpointHit = { breakpoints: [] };
      // A rewind can shorten the list; only what was raised after the start counts.
      seen = Math.min(seen, session.diagnostics.length);
      for (; seen < session.diagnostics.length; seen++) {
        const diagnostic = session.diagnostics[seen];
        if (!hit.exception && exceptions.has(diagnostic.code)) hit.exception = diagnostic;
      }
      let scope: ReturnType<typeof buildScope> | undefined;
      const scopeHere = () => (scope ??= buildScope(source, did && did.layer >= 0 ? did.layer : undefined));
      for (const { spec, condition, compileError } of compiled) {
        if (failed.has(spec.id) || !siteHolds(spec.at, did, cursor)) continue;
        let conditionHolds = true;
        let error = compileError;
        if (condition && !error) {
          try {
            conditionHolds = truthy(condition.evaluate(scopeHere()));
          } catch (failure) {
            error = (failure as Error).message;
          }
        }
        if (error) {
          failed.add(spec.id);
          hit.conditionError ??= { id: spec.id, message: `condition \`${spec.condition}\` failed: ${error}` };
          continue;
        }
        if (!conditionHolds) continue;
        const count = (hits.get(spec.id) ?? 0) + 1;
        hits.set(spec.id, count);
        if (spec.hitCondition && !hitConditionHolds(spec.hitCondition, count)) continue;
        if (spec.logMessage !== undefined) {
          if (!options.quiet) this.log(logpointOutput(spec, scopeHere()));
          continue;
        }
        hit.breakpoints.push(spec.id);
      }
      if (hit.breakpoints.length > 0 || hit.exception || hit.conditionError) {
        found(hit);
        return { reason: 'condition', detail: describeHit(hit) };
      }
      return also?.();
    };
  }
}

function logpointOutput(spec: BreakpointSpec, scope: ReturnType<typeof buildScope>): LogOutput {
  try {
    return { category: 'console', text: `${interpolate(spec.logMessage!, scope)}\n`, breakpoint: spec.id };
  } catch (error) {
    return {
      category: 'stderr',
      text: `logpoint \`${spec.logMessage}\`: ${(error as Error).message}\n`,
      breakpoint: spec.id,
    };
  }
}

function describeHit(hit: BreakpointHit): string {
  if (hit.exception) return `${hit.exception.code}${hit.exception.layerName ? ` in ${hit.exception.layerName}` : ''}`;
  if (hit.conditionError) return hit.conditionError.message;
  return `breakpoint ${hit.breakpoints.join(', ')}`;
}
