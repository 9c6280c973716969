/**
 * Colours of the tab in the host's light and dark themes. The host sends its theme as CSS
 * variables (`--background-color`, `--text-primary-color`, ...); the tab follows them and picks its
 * status colours by whether that background is dark. Every foreground here has at least 4.5:1
 * contrast on its background (WCAG AA for text), which a unit test checks.
 */

/** The tab's own colours for one theme. */
export interface Palette {
  background: string;
  text: string;
  muted: string;
  passed: string;
  failed: string;
  warning: string;
  accent: string;
  zone: string;
  champion: string;
}

/** Colours on a light host background. */
export const lightPalette: Palette = {
  background: '#ffffff',
  text: '#201f1e',
  muted: '#605e5c',
  passed: '#107c10',
  failed: '#a4262c',
  warning: '#8a5300',
  accent: '#005a9e',
  zone: 'rgba(164, 38, 44, 0.12)',
  champion: '#484644',
};

/** Colours on a dark host background. */
export const darkPalette: Palette = {
  background: '#1b1a19',
  text: '#f3f2f1',
  muted: '#c8c6c4',
  passed: '#6ccb5f',
  failed: '#f1707b',
  warning: '#f2c661',
  accent: '#6cb8f6',
  zone: 'rgba(241, 112, 123, 0.18)',
  champion: '#d2d0ce',
};

/** [r, g, b] of `#rrggbb`, `rgb(...)` or `rgba(...)`; undefined for anything else. */
export function parseColor(color: string): [number, number, number] | undefined {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color.trim());
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  const rgb = /^rgba?\(\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)/i.exec(color.trim());
  return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : undefined;
}

/** WCAG relative luminance. */
export function luminance([r, g, b]: [number, number, number]): number {
  const channel = (value: number): number => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG contrast ratio of two colours. */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [parseColor(a), parseColor(b)].map((c) => (c ? luminance(c) : 0));
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Whether the host's theme is dark, from its `background-color` variable; undefined when it sent none. */
export function isDarkTheme(themeData: Record<string, string> | undefined): boolean | undefined {
  const background = themeData?.['background-color'];
  const rgb = background ? parseColor(background) : undefined;
  return rgb ? luminance(rgb) < 0.2 : undefined;
}

/** The tab's CSS variables for a palette. */
export function paletteCss(palette: Palette): string {
  return Object.entries(palette)
    .map(([name, value]) => `--mr-${name}: ${value};`)
    .join(' ');
}
