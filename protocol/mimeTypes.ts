/**
 * The output mime types shared by kernel (which produces them), extension (which hands them to
 * VS Code) and webview (which renders them). The only place these strings are written. `+json`
 * matters: VS Code's .ipynb serializer keeps JSON mimes as JSON; other custom mimes become text.
 */
export const mimeTypes = {
  tensor: 'application/vnd.attention-lab.tensor+json',
  attention: 'application/vnd.attention-lab.attention+json',
  stages: 'application/vnd.attention-lab.stages+json',
  chart: 'application/vnd.attention-lab.chart+json',
} as const;

export type AttentionLabMime = (typeof mimeTypes)[keyof typeof mimeTypes];
