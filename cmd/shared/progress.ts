/** A one-line progress meter on stderr, only when stderr is a terminal. */
export class Progress {
  private readonly enabled = Boolean(process.stderr.isTTY);
  private readonly started = Date.now();

  update(text: (elapsedSeconds: number) => string): void {
    if (!this.enabled) return;
    const elapsed = (Date.now() - this.started) / 1000;
    process.stderr.write(`\r\x1b[K${text(elapsed)}`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}
