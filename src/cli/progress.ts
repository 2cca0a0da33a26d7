/** A progress bar on stderr: redrawn in place with \r on a terminal, one line per update otherwise (logs, tests). */
export interface ProgressBar {
  update(done: number, detail?: string): void;
  finish(): void;
}

export function progressBar(stream: NodeJS.WriteStream, label: string, total: number, width = 30): ProgressBar {
  let drawn = false;
  return {
    update(done, detail = '') {
      const of = Math.max(total, done);
      if (!stream.isTTY) {
        stream.write(`${label}: ${done}/${of}${detail ? ` ${detail}` : ''}\n`);
        return;
      }
      const filled = of === 0 ? width : Math.round((done / of) * width);
      const percent = of === 0 ? 100 : Math.floor((done / of) * 100);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${done}/${of} ${detail}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}
