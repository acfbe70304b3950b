/**
 * The training section: the loss after each epoch as a line chart, drawn as
 * SVG through DOM calls, with the first and latest values as text.
 */
import type { TrainingProgress } from '../messages';
import { element } from './dom';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 480;
const HEIGHT = 160;
const PAD = 28;

const STATE_TEXT: Record<TrainingProgress['state'], string> = {
  running: 'training',
  done: 'finished',
  cancelled: 'cancelled',
  failed: 'stopped with an error',
};

/** Replaces the content of `container` with the loss curve of `progress`. */
export function renderLossCurve(container: HTMLElement, progress: TrainingProgress): void {
  const { losses } = progress;
  const last = losses[losses.length - 1];
  let summary = `Training on ${progress.document}, ${STATE_TEXT[progress.state]}`;
  if (losses.length > 0) {
    summary +=
      `: epoch ${losses.length} of ${progress.epochs}, ` +
      `loss ${losses[0].toFixed(3)} → ${last.toFixed(3)}`;
  } else if (progress.state === 'running') {
    summary = `Training on ${progress.document}: starting…`;
  } else {
    summary += ' before the first epoch finished';
  }
  if (progress.message !== undefined) {
    summary += `. ${progress.message}`;
  }

  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('class', 'loss-curve');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', summary);
  if (losses.length > 0) {
    const max = Math.max(...losses);
    const span = Math.max(1, progress.epochs - 1);
    const points = losses.map((loss, epoch) => {
      const x = PAD + (epoch / span) * (WIDTH - 2 * PAD);
      const y = HEIGHT - PAD - (loss / max) * (HEIGHT - 2 * PAD);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    const axis = document.createElementNS(SVG, 'polyline');
    axis.setAttribute(
      'points',
      `${PAD},${PAD} ${PAD},${HEIGHT - PAD} ${WIDTH - PAD},${HEIGHT - PAD}`,
    );
    axis.setAttribute('class', 'axis');
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    line.setAttribute('class', 'line');
    svg.append(axis, line, label(4, PAD + 4, max.toFixed(2)), label(4, HEIGHT - PAD, '0'));
    svg.append(label(WIDTH - PAD - 40, HEIGHT - 8, `epoch ${progress.epochs}`));
  }
  container.replaceChildren(
    element('h2', { text: 'Training' }),
    element('p', {
      text: summary,
      attributes: { 'data-testid': 'training-summary', 'aria-live': 'polite' },
    }),
    svg,
    element('p', {
      className: 'note',
      text:
        'The loss measures how surprised the model is by each next word of the text; it falls ' +
        'as backpropagation adjusts the weights.',
    }),
  );
  container.hidden = false;
}

function label(x: number, y: number, text: string): SVGTextElement {
  const node = document.createElementNS(SVG, 'text');
  node.setAttribute('x', String(x));
  node.setAttribute('y', String(y));
  node.textContent = text;
  return node;
}
