// Response shapes — key names and value types, recursively — learnt from recorded real responses,
// so a devnet simulator can be checked against what the real node answers.
import { expect } from 'vitest';

export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'null' }
  | { kind: 'array'; element: Shape | null }
  | { kind: 'object'; fields: Map<string, Shape>; required: Set<string> };

function kindOf(value: unknown): Shape['kind'] {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'object') return type;
  throw new Error(`not JSON: ${type}`);
}

function mergeShapes(a: Shape, b: Shape): Shape {
  if (a.kind !== b.kind) throw new Error(`recorded examples disagree: ${a.kind} vs ${b.kind}`);
  if (a.kind === 'array' && b.kind === 'array') {
    return { kind: 'array', element: a.element && b.element ? mergeShapes(a.element, b.element) : (a.element ?? b.element) };
  }
  if (a.kind === 'object' && b.kind === 'object') {
    const fields = new Map(a.fields);
    for (const [key, shape] of b.fields) {
      const existing = fields.get(key);
      fields.set(key, existing ? mergeShapes(existing, shape) : shape);
    }
    // A key is required only if every example has it (java-tron, for one, leaves out zero and empty fields).
    return { kind: 'object', fields, required: new Set([...a.required].filter((key) => b.required.has(key))) };
  }
  return a;
}

/** The shape of one or more recorded examples (array elements count as examples of one shape). */
export function shapeOf(...examples: unknown[]): Shape {
  const shapes = examples.map((value): Shape => {
    const kind = kindOf(value);
    if (kind === 'array') {
      const items = value as unknown[];
      return { kind, element: items.length > 0 ? shapeOf(...items) : null };
    }
    if (kind === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      return { kind, fields: new Map(entries.map(([key, item]) => [key, shapeOf(item)])), required: new Set(entries.map(([key]) => key)) };
    }
    return { kind } as Shape;
  });
  return shapes.reduce(mergeShapes);
}

export interface ShapeAllowances {
  /** Paths present in the recording that may be absent (optional or zero-valued members). */
  optional?: string[];
  /** Paths the recording lacks but the API documents. */
  extra?: string[];
  /** Paths whose value may also be null. */
  nullable?: string[];
}

/** Differences between `value` and the recorded shape; [] when keys and types agree. */
export function shapeProblems(value: unknown, shape: Shape, allow: ShapeAllowances = {}, path = ''): string[] {
  const at = path || '(root)';
  const kind = kindOf(value);
  if (kind === 'null' && allow.nullable?.includes(path)) return [];
  if (kind !== shape.kind) return [`${at}: ${kind} where the recording has ${shape.kind}`];
  if (shape.kind === 'array') {
    const items = value as unknown[];
    if (!shape.element) return items.length > 0 && !allow.extra?.includes(`${path}[]`) ? [`${at}: elements where the recording has none`] : [];
    const element = shape.element;
    return items.flatMap((item) => shapeProblems(item, element, allow, `${path}[]`));
  }
  if (shape.kind !== 'object') return [];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, item] of Object.entries(record)) {
    const keyPath = path ? `${path}.${key}` : key;
    const fieldShape = shape.fields.get(key);
    if (fieldShape) problems.push(...shapeProblems(item, fieldShape, allow, keyPath));
    else if (!allow.extra?.includes(keyPath)) problems.push(`${keyPath}: not in the recording`);
  }
  for (const key of shape.required) {
    const keyPath = path ? `${path}.${key}` : key;
    if (!(key in record) && !allow.optional?.includes(keyPath)) problems.push(`${keyPath}: missing`);
  }
  return problems;
}

export function expectShape(value: unknown, recorded: unknown, allow: ShapeAllowances = {}): void {
  expect(shapeProblems(value, shapeOf(recorded), allow)).toEqual([]);
}
