// The renderer's stylesheet: VS Code theme variables (light, dark, high contrast) with fallbacks,
// fixed-size canvases so outputs keep a stable height.
export const styles = `
.al-view { font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground, #333); padding: 4px 0; }
.al-header { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.al-title { font-weight: 600; }
.al-shape { font-family: var(--vscode-editor-font-family, monospace); color: var(--vscode-textLink-foreground, #06c); }
.al-meta, .al-stats, .al-readout, .al-check, .al-position { color: var(--vscode-descriptionForeground, #666); font-size: 0.92em; }
.al-stats, .al-check { margin: 2px 0 6px; font-family: var(--vscode-editor-font-family, monospace); }
.al-warning { color: var(--vscode-editorWarning-foreground, #b58900); }
.al-badge { border: 1px solid var(--vscode-contrastBorder, var(--vscode-badge-background, #888)); background: var(--vscode-badge-background, #ddd); color: var(--vscode-badge-foreground, #333); border-radius: 8px; padding: 0 7px; font-size: 0.85em; }
.al-note { font-size: 0.9em; color: var(--vscode-descriptionForeground, #666); font-style: italic; margin: 4px 0; }
.al-controls { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin: 4px 0 8px; }
.al-control { display: inline-flex; gap: 6px; align-items: center; }
.al-plot, .al-grid { display: flex; gap: 14px; align-items: flex-start; flex-wrap: wrap; }
canvas[data-attention-lab="heatmap"] { image-rendering: pixelated; outline: 1px solid var(--vscode-contrastBorder, transparent); }
.al-legend { display: inline-flex; gap: 6px; align-items: center; font-family: var(--vscode-editor-font-family, monospace); font-size: 0.85em; align-self: flex-end; }
.al-legend-entry { display: inline-flex; gap: 3px; align-items: center; margin-left: 6px; }
.al-swatch { display: inline-block; width: 10px; height: 10px; outline: 1px solid var(--vscode-contrastBorder, rgba(128, 128, 128, 0.6)); }
.al-overview-label { font-size: 0.9em; color: var(--vscode-descriptionForeground, #666); margin: 2px 0 4px; }
.al-panel { margin: 0; }
.al-panel figcaption { text-align: center; font-size: 0.85em; color: var(--vscode-descriptionForeground, #666); }
.al-panel-body { display: grid; grid-template-columns: auto auto; gap: 2px 4px; align-items: start; }
.al-key-labels { display: grid; font-size: 10px; height: 44px; }
.al-key-label { writing-mode: vertical-rl; transform: rotate(180deg); overflow: hidden; white-space: nowrap; text-align: left; justify-self: center; }
.al-query-labels { display: grid; font-size: 10px; text-align: right; }
.al-query-label { overflow: hidden; white-space: nowrap; align-self: center; max-width: 80px; }
.al-nan-row { color: var(--vscode-errorForeground, #c00); font-weight: 600; }
.al-repr { font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 12px); white-space: pre; overflow-x: auto; margin: 6px 0 0; }
.al-strip { display: flex; gap: 6px; overflow-x: auto; padding: 4px 2px 8px; }
.al-chip { flex: 0 0 auto; display: flex; flex-direction: column; align-items: flex-start; gap: 1px; min-width: 96px; max-width: 220px; padding: 4px 8px; border-radius: 4px; cursor: pointer; font: inherit; color: inherit; background: var(--vscode-editorWidget-background, rgba(128, 128, 128, 0.12)); border: 1px solid var(--vscode-widget-border, var(--vscode-contrastBorder, rgba(128, 128, 128, 0.5))); }
.al-chip-selected { border-color: var(--vscode-focusBorder, #06c); box-shadow: 0 0 0 1px var(--vscode-focusBorder, #06c); }
.al-chip-name { font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 204px; }
.al-chip-op { font-size: 0.85em; color: var(--vscode-descriptionForeground, #666); }
.al-chip-shape { font-family: var(--vscode-editor-font-family, monospace); font-size: 0.9em; }
.al-axis-changed { color: var(--vscode-charts-orange, #d18616); font-weight: 700; text-decoration: underline; }
.al-stages:focus { outline: 1px solid var(--vscode-focusBorder, #06c); }
.al-stage-title { margin: 4px 0 2px; }
.al-chart { width: 640px; max-width: 100%; }
.al-chart-legend { display: flex; gap: 4px 10px; flex-wrap: wrap; align-items: center; font-size: 0.92em; }
.al-chart-entry { gap: 5px; }
.al-chart-swatch { display: inline-block; width: 18px; height: 0; border-top-width: 3px; }
.al-chart-name { font-weight: 600; }
.al-chart-last { font-family: var(--vscode-editor-font-family, monospace); color: var(--vscode-descriptionForeground, #666); }
.al-chart-stage { position: relative; width: 640px; height: 300px; margin: 4px 0; }
.al-chart-stage:focus { outline: 1px solid var(--vscode-focusBorder, #06c); }
canvas[data-attention-lab="chart-overlay"] { position: absolute; left: 0; top: 0; cursor: crosshair; }
.al-stage-shapes { font-family: var(--vscode-editor-font-family, monospace); font-size: 0.9em; margin-bottom: 4px; }
`;
