// The notebook's `steps([[label, tensor, axes?], ...])`: a trace made by hand from plain ops, in the
// engine's own Trace shape, so the stage view shows it like a module's traced forward pass.
import { Tensor, type Stage, type Trace } from './engine/index';
import { formatShape } from './engine/shape';

/** The entry's axis names, or 'dim 0', 'dim 1', ... when it names none. */
function axisNames(tensor: Tensor, axes: string[] | undefined): Stage['output']['axes'] {
  return (axes ?? tensor.shape.map((_, d) => `dim ${d}`)) as Stage['output']['axes'];
}

/**
 * `steps([[label, tensor, axes?], ...])`: a hand-made trace of plain ops, shown by the stage view,
 * e.g. the head split `arange(48).reshape(2, 4, 6)` → `reshape(2, 4, 3, 2)` → `transpose(1, 2)`.
 */
export function steps(entries: [string, Tensor, string[]?][]): Trace<Tensor> {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new Error('steps: expected a non-empty list of [label, tensor, axes?] entries');
  }
  const stages = entries.map(([label, tensor, axes], i): Stage => {
    if (!(tensor instanceof Tensor)) throw new TypeError(`steps: entry ${i} ('${label}') has no tensor`);
    const names = axisNames(tensor, axes);
    if (names.length !== tensor.ndim) {
      const shape = formatShape(tensor.shape);
      throw new Error(`steps: entry ${i} ('${label}') names ${names.length} axes for shape ${shape}`);
    }
    const previous = i > 0 ? entries[i - 1][1] : null;
    const previousAxes = previous ? axisNames(previous, entries[i - 1][2]) : [];
    return {
      name: label,
      op: label.split(/[\s(.]/)[0] || 'value',
      module: 'notebook',
      inputs: previous ? [{ shape: [...previous.shape], axes: previousAxes }] : [],
      output: { shape: [...tensor.shape], axes: names },
      tensor,
    };
  });
  return { result: entries[entries.length - 1][1], stages };
}
