// `history_request`: the inputs this kernel ran in its session (Jupyter's 'range', 'tail' and
// 'search' access), kept in memory; earlier sessions are not stored, so they answer nothing.

/** IPython's [session, line, input] (or [session, line, [input, output]] when outputs are asked for). */
type HistoryEntry = [number, number, string | [string, null]];

/** This session's number in the answers; session 0 in a request means "the current one", as in IPython. */
const currentSession = 1;

/** A glob pattern (`*`, `?`) as IPython's history search reads it, as a whole-input regular expression. */
function globPattern(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export class SessionHistory {
  private readonly inputs: { line: number; input: string }[] = [];

  add(line: number, input: string): void {
    this.inputs.push({ line, input });
  }

  answer(request: Record<string, unknown>): HistoryEntry[] {
    const withOutput = request.output === true;
    const entry = ({ line, input }: { line: number; input: string }): HistoryEntry => [
      currentSession,
      line,
      withOutput ? [input, null] : input,
    ];
    const n = typeof request.n === 'number' ? request.n : this.inputs.length;
    switch (request.hist_access_type) {
      case 'tail':
        return this.inputs.slice(Math.max(0, this.inputs.length - n)).map(entry);
      case 'range': {
        const session = Number(request.session ?? 0);
        if (session !== 0 && session !== currentSession) return [];
        const start = Number(request.start ?? 0);
        const stop = typeof request.stop === 'number' ? request.stop : Infinity;
        return this.inputs.filter(({ line }) => line >= start && line < stop).map(entry);
      }
      case 'search': {
        const pattern = globPattern(String(request.pattern ?? '*'));
        let found = this.inputs.filter(({ input }) => pattern.test(input));
        if (request.unique === true)
          found = found.filter(({ input }, i) => found.findIndex((other) => other.input === input) === i);
        return found.slice(Math.max(0, found.length - n)).map(entry);
      }
      default:
        return [];
    }
  }
}
