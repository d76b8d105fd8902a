// The line chart's series look, shared by the renderer's chart and the kernel's PNG of it: VS Code's
// charts colours by name (the renderer reads the theme's --vscode-charts-* variables) with the
// Dark Modern and Light Modern values for hosts that do not set them (the PNG, which cannot follow
// the theme, draws the light ones), and the dash patterns that tell series apart once colours repeat.

/** VS Code's --vscode-charts-<name> colours, in the order series take them. */
export const chartPaletteNames = ['blue', 'orange', 'green', 'red', 'purple', 'yellow'] as const;

/** The series colours in VS Code's Dark Modern and Light Modern themes, then foreground and lines (muted). */
export const chartThemeColors = {
  dark: ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700', '#cccccc', '#9d9d9d'],
  light: ['#1a85ff', '#d18616', '#388a34', '#e51400', '#652d90', '#bf8803', '#3b3b3b', '#717171'],
};

/** Dash patterns (on, off pixels) of the series of each round through the palette: solid, dashed, dotted. */
export const chartDashes: number[][] = [[], [7, 4], [2, 3]];

/** The look of series `index`: its palette colour's index and its dash pattern. */
export function seriesLook(index: number): { colorIndex: number; dash: number[] } {
  return {
    colorIndex: index % chartPaletteNames.length,
    dash: chartDashes[Math.floor(index / chartPaletteNames.length) % chartDashes.length],
  };
}
