/**
 * `model.summary()`: the Keras table of layers, output shapes and parameter
 * counts, with totals.
 *
 * @module
 */
import { z } from 'zod';
import { parseOptions } from '../layers/config.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Layer, LayerShape } from '../layers/layer.js';
import type { Model } from './model.js';

/**
 * Options of `model.summary()`.
 *
 * @example
 * ```ts
 * model.summary({ lineLength: 80, printFn: (line) => lines.push(line) });
 * ```
 */
export interface SummaryOptions {
  /** Total width. Default 65 (98 for functional models, which add a "Connected to" column). */
  lineLength?: number;
  /** Called once per line. Default `console.log`. */
  printFn?: (line: string) => void;
}

const schema = z.strictObject({ lineLength: z.number().int().min(40).optional(), printFn: z.function().optional() });

function fmtShape(shape: LayerShape | LayerShape[] | undefined): string {
  if (shape === undefined) return '?';
  if (shape.length > 0 && Array.isArray(shape[0])) return (shape as LayerShape[]).map((s) => fmtShape(s)).join(', ');
  return `(${(shape as LayerShape).map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n.toFixed(2)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

function cells(values: string[], widths: number[]): string {
  let line = '';
  values.forEach((v, i) => {
    const w = widths[i];
    // Only inner columns are cut (to keep the next column aligned); the last one is shown whole.
    if (i === values.length - 1) line += v;
    else line += (v.length >= w ? `${v.slice(0, w - 2)}… ` : v).padEnd(w);
  });
  return line.trimEnd();
}

interface Row {
  layer: Layer;
  shape: LayerShape | LayerShape[] | undefined;
  connected: string[];
}

function rows(model: Model): { rows: Row[]; functional: boolean } {
  const graph = (model as { graphNodes?: ReadonlyArray<{ layer: Layer; inputs: ReadonlyArray<{ name: string; shape: LayerShape; node: { layer: Layer } }>; outputs: ReadonlyArray<{ shape: LayerShape }> }> }).graphNodes;
  if (graph) {
    const out: Row[] = [];
    for (const l of model.layers) if (l instanceof InputLayer) out.push({ layer: l, shape: l.batchShape, connected: [] });
    for (const n of graph) {
      out.push({
        layer: n.layer,
        shape: n.outputs.length === 1 ? n.outputs[0].shape : n.outputs.map((o) => o.shape),
        connected: n.inputs.map((i) => i.node.layer.name),
      });
    }
    return { rows: out, functional: true };
  }
  let shape: LayerShape | LayerShape[] | undefined = model.inputShapes[0];
  return {
    rows: model.layers.map((layer) => {
      if (shape !== undefined) {
        try {
          shape = layer.computeOutputShape(shape);
        } catch {
          shape = undefined;
        }
      }
      return { layer, shape, connected: [] };
    }),
    functional: false,
  };
}

/** @internal `Model.summary` */
export function summarize(model: Model, options: SummaryOptions): string {
  const o = parseOptions(schema, options, 'summary');
  const { rows: table, functional } = rows(model);
  const lineLength = o.lineLength ?? (functional ? 98 : 65);
  const fractions = functional ? [0.33, 0.55, 0.67, 1] : [0.45, 0.85, 1];
  const widths = fractions.map((f, i) => Math.floor(f * lineLength) - (i === 0 ? 0 : Math.floor(fractions[i - 1] * lineLength)));
  const header = functional ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const lines: string[] = [`Model: "${model.name}"`, '_'.repeat(lineLength), cells(header, widths), '='.repeat(lineLength)];
  table.forEach((r, i) => {
    const params = r.layer.built ? r.layer.countParams().toLocaleString('en-US') : '0 (unbuilt)';
    const base = [`${r.layer.name} (${r.layer.className})`, fmtShape(r.shape), params];
    if (functional) {
      const [first, ...rest] = r.connected.length ? r.connected : [''];
      lines.push(cells([...base, first], widths));
      for (const c of rest) lines.push(cells(['', '', '', c], widths));
    } else lines.push(cells(base, widths));
    lines.push(i === table.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
  });
  if (table.length === 0) lines.push('='.repeat(lineLength));
  const bytes = (ws: { size: number; dtype: string }[]): number => ws.reduce((n, w) => n + w.size * (w.dtype === 'float64' ? 8 : w.dtype === 'bool' ? 1 : 4), 0);
  const count = (ws: { size: number }[]): number => ws.reduce((n, w) => n + w.size, 0);
  const trainable = model.trainableWeights;
  const frozen = model.nonTrainableWeights;
  lines.push(`Total params: ${(count(trainable) + count(frozen)).toLocaleString('en-US')} (${fmtBytes(bytes(trainable) + bytes(frozen))})`);
  lines.push(`Trainable params: ${count(trainable).toLocaleString('en-US')} (${fmtBytes(bytes(trainable))})`);
  lines.push(`Non-trainable params: ${count(frozen).toLocaleString('en-US')} (${fmtBytes(bytes(frozen))})`);
  lines.push('_'.repeat(lineLength));
  const print = (o.printFn as ((line: string) => void) | undefined) ?? ((line: string) => console.log(line));
  for (const l of lines) print(l);
  return lines.join('\n');
}
