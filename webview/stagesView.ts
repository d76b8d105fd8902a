// The stage view of a trace: a strip of stages (op and output shape, the axis that changed
// highlighted), previous/next by buttons and arrow keys, and the selected stage's tensor. Movement
// stages (reshape, view, transpose, permute) share one colour scale with their source, so every
// element keeps its colour and a learner sees where values move when heads are split.
import { isMovement, stageScales } from '../protocol/colorScales';
import type { StagePayload, StagesOutput } from '../protocol/outputPayloads';
import { button, element } from './dom';
import { formatShape } from './numberFormat';
import { renderTensor } from './tensorView';

/** Output axes that differ from the first input's at the same position (name or size). */
export function changedAxes(stage: StagePayload): number[] {
  const input = stage.inputs[0];
  return stage.output.shape
    .map((_, i) => i)
    .filter((i) => !input || input.shape[i] !== stage.output.shape[i] || input.axes[i] !== stage.output.axes[i]);
}

export function renderStages(payload: StagesOutput, root: HTMLElement): void {
  const { stages } = payload;
  const scales = stageScales(stages);
  const view = element('div', 'al-view al-stages');
  view.dataset.attentionLab = 'stages-view';
  view.tabIndex = 0;
  const header = element('div', 'al-header');
  header.append(
    element('span', 'al-title', payload.title ?? 'forward pass'),
    element('span', 'al-meta', `${stages.length} stages`),
  );
  const strip = element('div', 'al-strip');
  strip.dataset.attentionLab = 'strip';
  const detail = element('div', 'al-stage-detail');
  let selected = 0;
  const chips = stages.map((stage, i) => {
    const chip = element('button', 'al-chip');
    chip.dataset.attentionLab = 'stage';
    chip.title = `${stage.name} · ${stage.module}`;
    chip.append(element('span', 'al-chip-name', stage.name), element('span', 'al-chip-op', stage.op));
    const shape = element('span', 'al-chip-shape');
    const changed = changedAxes(stage);
    shape.append('(');
    stage.output.shape.forEach((size, axis) => {
      if (axis > 0) shape.append(', ');
      const dim = element('span', changed.includes(axis) ? 'al-axis al-axis-changed' : 'al-axis', String(size));
      dim.title = stage.output.axes[axis] ?? '';
      shape.append(dim);
    });
    shape.append(')');
    chip.append(shape);
    chip.addEventListener('click', () => select(i));
    return chip;
  });
  strip.append(...chips);
  const position = element('span', 'al-position');
  position.dataset.attentionLab = 'position';
  const select = (index: number) => {
    selected = Math.max(0, Math.min(stages.length - 1, index));
    chips.forEach((chip, i) => chip.classList.toggle('al-chip-selected', i === selected));
    chips[selected].scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    const stage = stages[selected];
    position.textContent = `stage ${selected + 1} of ${stages.length}`;
    const title = element('div', 'al-stage-title');
    title.append(element('strong', '', stage.name), ` · ${stage.module} · ${stage.op}`);
    const shapes = element('div', 'al-stage-shapes');
    shapes.dataset.attentionLab = 'stage-shapes';
    const describe = (s: { shape: number[]; axes: string[] }) => `${formatShape(s.shape)} [${s.axes.join(', ')}]`;
    shapes.textContent = `${stage.inputs.map(describe).join(' , ')} → ${describe(stage.output)}`;
    const body = element('div');
    renderTensor(stage.tensor, body, { scale: scales[selected], showText: false });
    detail.replaceChildren(
      title,
      shapes,
      ...(isMovement(stage)
        ? [element('div', 'al-note', 'Movement op: values keep their colours, so you see where each element goes.')]
        : []),
      body,
    );
  };
  const nav = element('div', 'al-controls');
  nav.append(
    button('◀ Previous', 'previous', () => select(selected - 1)),
    button('Next ▶', 'next', () => select(selected + 1)),
    position,
  );
  view.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') select(selected + 1);
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') select(selected - 1);
    else if (event.key === 'Home') select(0);
    else if (event.key === 'End') select(stages.length - 1);
    else return;
    // Consumed here: VS Code's webview forwards keys that bubble to the window to the notebook,
    // where Home/End/arrows would also move the cell focus.
    event.preventDefault();
    event.stopPropagation();
  });
  select(0);
  view.append(header, strip, nav, detail);
  root.append(view);
}
