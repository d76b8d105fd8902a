// The name of the main thread's variable summarizer (variableSummaries.ts), in a file of its own so
// the control thread's bundle takes the name without the engine.

/** The global the control thread calls: `(names: string[] | null) => VariableSummary[]`. */
export const variablesGlobal = '__attentionLabVariables';
