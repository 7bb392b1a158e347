// Renders a cycle's phases as one line each: a TTY gets the block redrawn in place, anything else
// (CI logs, pipes) gets a line only when a phase changes, so logs stay readable.
export interface PhaseView {
  name: string;
  status: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  counts?: Record<string, unknown>;
}

const MARK: Record<string, string> = { completed: '✔', running: '▶', failed: '✖', skipped: '–', pending: '·' };

function seconds(p: PhaseView, now: number): string {
  if (!p.startedAt) return '';
  const end = p.finishedAt ? Date.parse(p.finishedAt) : now;
  return `${((end - Date.parse(p.startedAt)) / 1000).toFixed(1)}s`;
}

function countsText(counts: Record<string, unknown> | undefined): string {
  if (!counts) return '';
  const parts = Object.entries(counts)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .slice(0, 4)
    .map(([k, v]) => `${k}=${v as string}`);
  return parts.length ? `  ${parts.join(' ')}` : '';
}

export function phaseLine(p: PhaseView, now = Date.now()): string {
  return `  ${MARK[p.status] ?? '?'} ${p.name.padEnd(9)} ${p.status.padEnd(9)} ${seconds(p, now).padStart(7)}${countsText(p.counts)}`;
}

export class ProgressRenderer {
  private drawnLines = 0;
  private last = new Map<string, string>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  render(phases: PhaseView[]): void {
    if (this.out.isTTY) {
      if (this.drawnLines) this.out.write(`\x1b[${this.drawnLines}A`);
      for (const p of phases) this.out.write(`\x1b[2K${phaseLine(p)}\n`);
      this.drawnLines = phases.length;
      return;
    }
    for (const p of phases) {
      if (this.last.get(p.name) !== p.status) {
        this.last.set(p.name, p.status);
        if (p.status !== 'pending') this.out.write(`${phaseLine(p)}\n`);
      }
    }
  }
}
