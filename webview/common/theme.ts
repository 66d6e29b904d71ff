// Theme colours read from VS Code's CSS variables (light, dark and high contrast), and a
// callback when the theme changes so canvases and charts redraw in the new colours.

export interface ThemeColors {
  foreground: string;
  muted: string;
  background: string;
  grid: string;
  accent: string;
  error: string;
  /** Distinct line colours for chart series, readable on the background. */
  series: string[];
  highContrast: boolean;
  dark: boolean;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export function themeKind(): 'light' | 'dark' | 'high-contrast' {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast') || c.contains('vscode-high-contrast-light')) return 'high-contrast';
  return c.contains('vscode-light') ? 'light' : 'dark';
}

export function readTheme(): ThemeColors {
  const kind = themeKind();
  const dark = kind === 'light' ? false : !document.body.classList.contains('vscode-high-contrast-light');
  const foreground = cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', dark ? '#cccccc' : '#333333'));
  return {
    foreground,
    muted: cssVar('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    background: cssVar('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    grid: dark ? 'rgba(255,255,255,0.10)' : 'rgba(0,0,0,0.10)',
    accent: cssVar('--vscode-focusBorder', '#007fd4'),
    error: cssVar('--vscode-errorForeground', '#f14c4c'),
    // Tableau-like palette; the first entries are tuned per theme so lines stay readable.
    series: dark
      ? ['#4fc1ff', '#f9a03f', '#89d185', '#f48771', '#c586c0', '#dcdcaa', '#4ec9b0', '#d7ba7d']
      : ['#0066b8', '#c75300', '#388a34', '#b8001f', '#8f3fa0', '#806b00', '#007575', '#8a5a00'],
    highContrast: kind === 'high-contrast',
    dark,
  };
}

/** Calls `redraw` when VS Code switches theme (it rewrites the body's classes and style). */
export function onThemeChange(redraw: () => void): void {
  const observer = new MutationObserver(() => redraw());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
