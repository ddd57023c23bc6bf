/**
 * One status line on a terminal, redrawn in place: files, records, records/s and an ETA from the
 * share of (compressed) bytes read, since the number of records is unknown until the end.
 */
export interface ProgressOptions {
  write: (s: string) => void;
  totalFiles: number;
  totalBytes: number;
  now?: () => number;
  /** Redraw at most this often. */
  intervalMs?: number;
  width?: number;
}

const BAR = 24;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export class Progress {
  private files = 0;
  private records = 0;
  private bytes = 0;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
    this.started = this.now();
  }

  fileStarted(): void {
    this.files++;
    this.draw(true);
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.draw(false);
  }

  addRecords(n: number): void {
    this.records += n;
    this.draw(false);
  }

  /** The status line as it is now (also what draw writes). */
  line(): string {
    const elapsed = Math.max(0.001, (this.now() - this.started) / 1000);
    const share = this.opts.totalBytes > 0 ? Math.min(1, this.bytes / this.opts.totalBytes) : 0;
    const filled = Math.round(share * BAR);
    const rate = this.records / elapsed;
    const eta = share > 0 ? (elapsed * (1 - share)) / share : Number.NaN;
    return (
      `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${Math.round(share * 100)}% · ` +
      `file ${this.files}/${this.opts.totalFiles} · ${this.records.toLocaleString('en-US')} records · ` +
      `${Math.round(rate).toLocaleString('en-US')} records/s · ETA ${duration(eta)}`
    );
  }

  /** Erase the line so what follows starts clean. */
  done(): void {
    this.opts.write('\r\u001b[2K');
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < (this.opts.intervalMs ?? 200)) return;
    this.lastDraw = t;
    const line = this.line();
    const width = this.opts.width ?? 120;
    this.opts.write(`\r\u001b[2K${line.length > width ? line.slice(0, width) : line}`);
  }
}
