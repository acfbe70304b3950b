/**
 * Draws one head's attention weights as a standalone SVG image, in the
 * current theme's colours and with the highlighted token's row and column
 * outlined, for the inspector's export. Token text is XML-escaped.
 */
import { SquareView, squareValue } from '../inspector/payload';
import { HeatmapColours, toCss, weightColour } from './colours';

const CELL = 36;
const LABEL = 120;
const FONT = 'font-family="monospace" font-size="11"';

export interface HeatmapSvgOptions {
  readonly weights: SquareView;
  readonly head: number;
  readonly tokens: readonly string[];
  /** First token drawn; the image covers tokens `first ..` on both axes. */
  readonly first: number;
  readonly causalMask: boolean;
  readonly highlighted: number | null;
  readonly colours: HeatmapColours;
}

/** Returns the SVG document text. */
export function heatmapSvg(options: HeatmapSvgOptions): string {
  const { weights, head, tokens, first, causalMask, highlighted, colours } = options;
  const count = tokens.length;
  const drawn = count - first;
  const size = LABEL + drawn * CELL;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" ` +
      `viewBox="0 0 ${size} ${size}">`,
    `<rect width="${size}" height="${size}" fill="${toCss(colours.background)}"/>`,
  ];

  for (let k = 0; k < drawn; k++) {
    const label = escapeXml(truncate(tokens[first + k]));
    const offset = LABEL + k * CELL + CELL / 2;
    parts.push(
      `<text x="${LABEL - 6}" y="${offset + 4}" text-anchor="end" ${FONT} ` +
        `fill="${toCss(colours.foreground)}">${label}</text>`,
      `<text transform="translate(${offset + 4} ${LABEL - 6}) rotate(-60)" ${FONT} ` +
        `fill="${toCss(colours.foreground)}">${label}</text>`,
    );
  }

  for (let r = 0; r < drawn; r++) {
    for (let c = 0; c < drawn; c++) {
      const i = first + r;
      const j = first + c;
      const masked = causalMask && j > i;
      const value = squareValue(weights, head, i, j);
      const fill = masked ? colours.masked : weightColour(value, colours);
      const x = LABEL + c * CELL;
      const y = LABEL + r * CELL;
      parts.push(
        `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${toCss(fill)}"/>`,
        `<text x="${x + CELL / 2}" y="${y + CELL / 2 + 4}" text-anchor="middle" ${FONT} ` +
          `fill="${toCss(colours.foreground)}">${masked ? '–' : value.toFixed(2)}</text>`,
      );
    }
  }

  if (highlighted !== null && highlighted >= first) {
    const at = LABEL + (highlighted - first) * CELL;
    const stroke = `fill="none" stroke="${toCss(colours.highlight)}" stroke-width="2"`;
    parts.push(
      `<rect x="${LABEL}" y="${at}" width="${drawn * CELL}" height="${CELL}" ${stroke}/>`,
      `<rect x="${at}" y="${LABEL}" width="${CELL}" height="${drawn * CELL}" ${stroke}/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function truncate(text: string): string {
  const characters = Array.from(text);
  return characters.length > 14 ? `${characters.slice(0, 13).join('')}…` : text;
}

/** Escapes the five characters XML gives meaning to. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}
