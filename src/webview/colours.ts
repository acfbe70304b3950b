/**
 * Theme colours resolved to RGB, for drawing that CSS cannot style: the
 * heatmap canvas and exported images. They are read from VS Code's CSS
 * variables when drawn, so a theme change shows at the next draw.
 */

export type Rgb = readonly [number, number, number];

export interface HeatmapColours {
  /** Colour of weight 1; weight 0 is the background. */
  readonly high: Rgb;
  readonly background: Rgb;
  readonly foreground: Rgb;
  /** Colour of masked cells. */
  readonly masked: Rgb;
  /** Outline of the highlighted token's row and column. */
  readonly highlight: Rgb;
}

const FALLBACK_BLUE: Rgb = [55, 148, 255];

/** Reads the heatmap's colours from the current theme. */
export function readHeatmapColours(): HeatmapColours {
  const background = resolve('--vscode-editor-background', [30, 30, 30]);
  const foreground = resolve('--vscode-foreground', [204, 204, 204]);
  return {
    high: resolve('--vscode-charts-blue', FALLBACK_BLUE),
    background,
    foreground,
    masked: mix(foreground, background, 0.12),
    highlight: resolve('--vscode-focusBorder', [0, 127, 212]),
  };
}

/** Returns `a * amount + b * (1 - amount)`, per channel. */
export function mix(a: Rgb, b: Rgb, amount: number): Rgb {
  return [0, 1, 2].map((i) => Math.round(a[i] * amount + b[i] * (1 - amount))) as unknown as Rgb;
}

/** Formats a colour for CSS and SVG. */
export function toCss([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/**
 * Share of the highest colour at full weight. The value text must stay
 * readable on top: at 0.45 the theme's foreground keeps WCAG AA's 4.5:1 on
 * a full-weight cell in Dark Modern (4.8:1) and Light Modern (6.4:1). The
 * table cells in media/inspector.css use the same share.
 */
export const MAX_COLOUR_SHARE = 0.45;

/** Returns the cell colour for a weight in [0, 1]. */
export function weightColour(weight: number, colours: HeatmapColours): Rgb {
  return mix(colours.high, colours.background, Math.min(1, Math.max(0, weight)) * MAX_COLOUR_SHARE);
}

/** Resolves a CSS custom property to RGB by letting the browser compute it. */
function resolve(variable: string, fallback: Rgb): Rgb {
  const probe = document.createElement('span');
  probe.style.color = `var(${variable})`;
  probe.style.display = 'none';
  document.body.append(probe);
  const computed = getComputedStyle(probe).color;
  probe.remove();
  const match = /rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)/.exec(computed);
  if (match === null || match[4] === '0') {
    return fallback;
  }
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}
