/**
 * The attention heatmap for long runs, drawn on a canvas: one pixel block
 * per query-key pair, so 2,048 tokens (4 million cells) draw in one pass.
 * A zoom control sets the block size, the container scrolls, and pointing
 * at a cell (or moving with the arrow keys) reads its tokens and weight out
 * as text.
 */
import { SquareView, squareValue } from '../inspector/payload';
import { HeatmapColours, readHeatmapColours, toCss, weightColour } from './colours';
import { element } from './dom';

const ZOOM_LEVELS = [1, 2, 4, 8, 16];

export interface CanvasHeatmap {
  readonly element: HTMLElement;
  /** Draws an outline around token `index`'s row and column, or none when null. */
  highlight(index: number | null): void;
  /** Returns the full-size heatmap as a canvas, with the current highlight. */
  snapshot(): HTMLCanvasElement;
}

/** Draws head `head` of the [h, T, T] weights for all T tokens. */
export function canvasHeatmap(
  weights: SquareView,
  head: number,
  tokens: readonly string[],
  causalMask: boolean,
): CanvasHeatmap {
  const count = tokens.length;
  // Start at a zoom that keeps the canvas about 1,000 to 2,000 pixels wide.
  let zoom = 4;
  if (count > 1024) {
    zoom = 1;
  } else if (count > 256) {
    zoom = 2;
  }
  let highlighted: number | null = null;
  let cursor = { row: count - 1, column: 0 };

  const canvas = element('canvas', {
    attributes: {
      tabindex: '0',
      role: 'img',
      'data-testid': 'heatmap-canvas',
      'aria-label': `Attention weights for all ${count} tokens. Use the arrow keys to read cells.`,
    },
  });
  const readout = element('p', {
    className: 'readout',
    text: 'Point at a cell to read its weight.',
    attributes: { 'aria-live': 'polite', 'data-testid': 'heatmap-readout' },
  });
  const zoomSelect = element('select', { attributes: { 'aria-label': 'Heatmap zoom' } });
  for (const level of ZOOM_LEVELS) {
    const option = element('option', {
      text: `${level} px per cell`,
      attributes: { value: String(level) },
    });
    option.selected = level === zoom;
    zoomSelect.append(option);
  }
  const scroller = element('div', { className: 'canvas-scroll' }, canvas);

  const valueAt = (row: number, column: number): number => squareValue(weights, head, row, column);

  // One pixel per cell, rebuilt only when the theme's colours change.
  let pixels: HTMLCanvasElement | undefined;
  let pixelColours = '';
  const cellPixels = (colours: HeatmapColours): HTMLCanvasElement => {
    const key = JSON.stringify(colours);
    if (pixels !== undefined && key === pixelColours) {
      return pixels;
    }
    const image = new ImageData(count, count);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < count; j++) {
        const masked = causalMask && j > i;
        const [r, g, b] = masked ? colours.masked : weightColour(valueAt(i, j), colours);
        const p = (i * count + j) * 4;
        image.data[p] = r;
        image.data[p + 1] = g;
        image.data[p + 2] = b;
        image.data[p + 3] = 255;
      }
    }
    pixels = document.createElement('canvas');
    pixels.width = count;
    pixels.height = count;
    pixels.getContext('2d')?.putImageData(image, 0, 0);
    pixelColours = key;
    return pixels;
  };

  const draw = (target: HTMLCanvasElement, scale: number, colours: HeatmapColours): void => {
    target.width = count * scale;
    target.height = count * scale;
    const context = target.getContext('2d');
    if (context === null) {
      return;
    }
    context.imageSmoothingEnabled = false;
    context.drawImage(cellPixels(colours), 0, 0, count * scale, count * scale);
    if (highlighted !== null) {
      context.strokeStyle = toCss(colours.highlight);
      context.lineWidth = Math.max(1, scale / 2);
      context.strokeRect(0, highlighted * scale, count * scale, scale);
      context.strokeRect(highlighted * scale, 0, scale, count * scale);
    }
  };
  const redraw = (): void => draw(canvas, zoom, readHeatmapColours());

  const describe = (row: number, column: number): void => {
    cursor = { row, column };
    const masked = causalMask && column > row;
    readout.textContent =
      `${tokens[row]} (${row}) → ${tokens[column]} (${column}): ` +
      (masked ? 'masked' : valueAt(row, column).toFixed(4));
  };

  canvas.addEventListener('mousemove', (event) => {
    const bounds = canvas.getBoundingClientRect();
    const column = Math.floor((event.clientX - bounds.left) / zoom);
    const row = Math.floor((event.clientY - bounds.top) / zoom);
    if (row >= 0 && row < count && column >= 0 && column < count) {
      describe(row, column);
    }
  });
  canvas.addEventListener('keydown', (event) => {
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const move = moves[event.key];
    if (move === undefined) {
      return;
    }
    event.preventDefault();
    const row = Math.min(count - 1, Math.max(0, cursor.row + move[0]));
    const column = Math.min(count - 1, Math.max(0, cursor.column + move[1]));
    describe(row, column);
  });
  zoomSelect.addEventListener('change', () => {
    zoom = Number(zoomSelect.value);
    redraw();
  });
  redraw();

  return {
    element: element(
      'div',
      { className: 'canvas-heatmap' },
      element('label', {}, 'Zoom ', zoomSelect),
      scroller,
      readout,
    ),
    highlight(index) {
      highlighted = index;
      redraw();
    },
    snapshot() {
      const copy = document.createElement('canvas');
      draw(copy, Math.max(1, Math.min(4, Math.floor(4096 / count))), readHeatmapColours());
      return copy;
    },
  };
}
