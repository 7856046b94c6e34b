// Progress display: bars with ETA and the live loss on a terminal (cli-progress), plain periodic lines otherwise.
import cliProgress from 'cli-progress';

export interface ProgressView {
  start(index: number, label: string, total: number): void;
  update(index: number, step: number, loss: number, evalAccuracy: number | null): void;
  finish(index: number, line: string): void;
  stop(): void;
}

const fmtAcc = (a: number | null): string => (a === null ? '  – ' : `${(a * 100).toFixed(0).padStart(3)}%`);

/** Bars (one per active run) on a TTY. */
function barView(stream: NodeJS.WriteStream): ProgressView {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: true,
      hideCursor: true,
      format: '{label} [{bar}] {value}/{total} | loss {loss} | eval acc {acc} | ETA {eta_formatted}',
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<number, cliProgress.SingleBar>();
  return {
    start(index, label, total) {
      bars.set(index, multi.create(total, 0, { label: label.padEnd(34).slice(0, 34), loss: '  –  ', acc: fmtAcc(null) }));
    },
    update(index, step, loss, acc) {
      bars.get(index)?.update(step, { loss: loss.toFixed(4), acc: fmtAcc(acc) });
    },
    finish(index, line) {
      const bar = bars.get(index);
      if (bar) {
        bar.stop();
        multi.remove(bar);
        bars.delete(index);
      }
      multi.log(`${line}\n`);
    },
    stop() {
      multi.stop();
    },
  };
}

/** Plain lines, at most one per run every `everySec` seconds (CI, pipes). */
function lineView(write: (s: string) => void, everySec = 10): ProgressView {
  const last = new Map<number, number>();
  const labels = new Map<number, string>();
  return {
    start(index, label, total) {
      labels.set(index, label);
      last.set(index, Date.now());
      write(`start ${label} (${total} steps)\n`);
    },
    update(index, step, loss, acc) {
      const now = Date.now();
      if (now - (last.get(index) ?? 0) < everySec * 1000) return;
      last.set(index, now);
      write(`  ${labels.get(index)} step ${step} loss ${loss.toFixed(4)} eval acc ${fmtAcc(acc).trim()}\n`);
    },
    finish(_index, line) {
      write(`${line}\n`);
    },
    stop() {},
  };
}

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? barView(stream) : lineView((s) => stream.write(s));
}
